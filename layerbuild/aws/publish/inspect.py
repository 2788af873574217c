"""Phase 1, read-only: each region's newest version of each layer compared with the zip, and the S3
bucket checked (it exists, we may use it, it is in the region) before anything is written anywhere."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from layerbuild.aws.errors import AwsError, explain, is_access_denied, is_not_found
from layerbuild.aws.publish.jobs import LayerJob, PublishOptions, s3_location
from layerbuild.aws.session import Clients


@dataclass(frozen=True)
class Decision:
    """What one region holds of one layer, and whether the zip differs (`reason`)."""

    job: LayerJob
    region: str
    latest_version: int | None
    latest_arn: str | None
    reason: str

    @property
    def unchanged(self) -> bool:
        return self.reason == "unchanged"


def latest_version(lam: Any, name: str) -> dict[str, Any] | None:
    newest = None
    for page in lam.get_paginator("list_layer_versions").paginate(LayerName=name):
        for version in page.get("LayerVersions", []):
            if newest is None or version["Version"] > newest["Version"]:
                newest = version
    return newest


def inspect_region(region: str, jobs: list[LayerJob], options: PublishOptions, clients: Clients) -> list[Decision]:
    lam = clients.get("lambda", region)
    decisions = []
    for job in jobs:
        newest = latest_version(lam, job.name)
        if newest is None:
            decisions.append(Decision(job, region, None, None, "new layer"))
            continue
        detail = lam.get_layer_version(LayerName=job.name, VersionNumber=newest["Version"])
        same_code = detail.get("Content", {}).get("CodeSha256") == job.layer.code_sha256
        same_compat = sorted(detail.get("CompatibleRuntimes") or []) == sorted(job.compatibility.runtimes) and sorted(
            detail.get("CompatibleArchitectures") or []
        ) == sorted(job.compatibility.architectures)
        reason = (
            "unchanged"
            if same_code and same_compat
            else ("content changed" if not same_code else "compatibility changed")
        )
        decisions.append(Decision(job, region, newest["Version"], detail["LayerVersionArn"], reason))
    if options.s3_bucket and any(not d.unchanged for d in decisions):
        check_bucket(region, decisions[0].job, options, clients)
    return decisions


def check_bucket(region: str, job: LayerJob, options: PublishOptions, clients: Clients) -> None:
    import botocore.exceptions as bx

    bucket, _ = s3_location(job, region, options)
    s3 = clients.get("s3", region)
    try:
        head = s3.head_bucket(Bucket=bucket)
    except bx.ClientError as exc:
        if is_not_found(exc):
            raise AwsError(
                f"S3 bucket {bucket!r} does not exist (needed in {region}): create it or pass another --s3-bucket"
            ) from None
        if is_access_denied(exc):
            raise AwsError(
                f"access denied to S3 bucket {bucket!r} from {region}: the credentials need "
                "s3:ListBucket and s3:PutObject on it (or the bucket is another account's)"
            ) from None
        raise explain(exc, region, f"checking S3 bucket {bucket}") or exc from None
    bucket_region = head.get("BucketRegion") or head["ResponseMetadata"]["HTTPHeaders"].get("x-amz-bucket-region")
    if bucket_region and bucket_region != region:
        raise AwsError(
            f"S3 bucket {bucket!r} is in {bucket_region}, but Lambda in {region} reads layers only "
            "from a bucket in its own region: use one bucket per region, e.g. --s3-bucket "
            "'my-layers-{region}'"
        )
