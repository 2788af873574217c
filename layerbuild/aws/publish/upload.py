"""Phase 2, the content: the zip uploaded (content-addressed in S3, or inline) and the version published."""

from __future__ import annotations

from typing import Any

from layerbuild.aws.errors import is_not_found
from layerbuild.aws.publish.inspect import Decision
from layerbuild.aws.publish.jobs import LayerJob, Published, PublishOptions, s3_location
from layerbuild.aws.session import Clients
from layerbuild.errors import InputError
from layerbuild.util.progress import note


def publish_version(lam: Any, decision: Decision, options: PublishOptions, clients: Clients) -> Published:
    job, region = decision.job, decision.region
    kwargs: dict[str, Any] = {
        "LayerName": job.name,
        "CompatibleRuntimes": list(job.compatibility.runtimes),
        "CompatibleArchitectures": list(job.compatibility.architectures),
    }
    if options.description:
        kwargs["Description"] = options.description
    if options.license_info:
        kwargs["LicenseInfo"] = options.license_info
    s3_uri = None
    if options.s3_bucket:
        bucket, key = s3_location(job, region, options)
        upload(region, bucket, key, job, clients)
        kwargs["Content"] = {"S3Bucket": bucket, "S3Key": key}
        s3_uri = f"s3://{bucket}/{key}"
    else:
        kwargs["Content"] = {"ZipFile": job.layer.path.read_bytes()}
    response = lam.publish_layer_version(**kwargs)
    if response.get("Content", {}).get("CodeSha256") not in (None, job.layer.code_sha256):
        # The zip changed on disk between hashing and upload: do not report a version we did not mean.
        raise InputError(f"{job.layer.path} changed while it was being published: publish again")
    note(f"{region}: published {job.name} version {response['Version']} ({decision.reason})")
    return Published(
        region,
        job.name,
        response["LayerVersionArn"],
        response["Version"],
        False,
        job.layer.code_sha256,
        decision.reason,
        s3_uri,
    )


def upload(region: str, bucket: str, key: str, job: LayerJob, clients: Clients) -> None:
    import botocore.exceptions as bx

    s3 = clients.get("s3", region)
    try:
        head = s3.head_object(Bucket=bucket, Key=key)
        if head.get("ContentLength") == job.layer.zipped_bytes:
            return  # the key is the content's hash: this exact zip is already there
    except bx.ClientError as exc:
        if not is_not_found(exc):
            raise
    note(f"{region}: uploading {job.layer.path.name} to s3://{bucket}/{key}")
    s3.upload_file(str(job.layer.path), bucket, key)
