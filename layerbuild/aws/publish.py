"""Publish layer zips as Lambda layer versions: only when the content changed, to many regions at once.

No state store: Lambda reports `CodeSha256` (base64 SHA-256 of the zip) for every layer version, so the
newest version of the layer is compared with the zip; equal content (and the same compatible runtimes and
architectures) means "unchanged": nothing is published and the existing ARN is reported.

Two phases, so a failure is found before anything is written wherever it can be:
  1. inspect every region in parallel (read-only): credentials, access, newest version, the S3 bucket;
  2. publish in every region in parallel (upload, publish, permissions, SSM parameter).
If a region fails in phase 2, the error names exactly what was done in the others.

This module knows zips and targets, not how a zip was built. boto3 is imported inside functions.
"""

from __future__ import annotations

import base64
import json
import re
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from layerbuild.aws.session import AwsError, AwsSettings, Clients, check_regions, explain
from layerbuild.errors import InputError, LayerbuildError
from layerbuild.facts.limits import MAX_DIRECT_UPLOAD_ZIPPED_BYTES, MAX_UNZIPPED_BYTES
from layerbuild.facts.runtimes import ARCHITECTURES
from layerbuild.model.names import LAYER_NAME
from layerbuild.util.progress import note

# Lambda's own patterns and lengths (API reference: PublishLayerVersion, AddLayerVersionPermission).
_LAYER_NAME = LAYER_NAME  # layer_names.py holds the rule (build uses it for file names too)
_ACCOUNT_ID = re.compile(r"^\d{12}$")
_ORGANIZATION_ID = re.compile(r"^o-[a-z0-9]{10,32}$")
MAX_DESCRIPTION = 256
MAX_LICENSE_INFO = 512


class PublishFailed(LayerbuildError):
    """Some regions failed; the message names what was done elsewhere (never reported as success)."""


@dataclass(frozen=True)
class LayerZip:
    """A layer zip as Lambda sees it: its hash (hex and Lambda's base64 `CodeSha256`) and sizes."""

    path: Path
    sha256_hex: str
    zipped_bytes: int
    unzipped_bytes: int

    @property
    def code_sha256(self) -> str:
        return base64.b64encode(bytes.fromhex(self.sha256_hex)).decode()


@dataclass(frozen=True)
class Compatibility:
    """What the layer version declares: `CompatibleRuntimes`, `CompatibleArchitectures`, and why."""

    runtimes: tuple[str, ...]
    architectures: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class LayerJob:
    name: str
    layer: LayerZip
    compatibility: Compatibility


@dataclass(frozen=True)
class PublishOptions:
    regions: tuple[str, ...]
    s3_bucket: str | None = None  # may hold "{region}": Lambda reads layer zips from a bucket in its own region
    s3_prefix: str = ""
    description: str | None = None
    license_info: str | None = None
    principals: tuple[str, ...] = ()
    organization_id: str | None = None
    public: bool = False
    ssm_parameter: str | None = None  # may hold "{layer}" (required when publishing several layers)
    dry_run: bool = False
    aws: AwsSettings = field(default_factory=AwsSettings)


@dataclass(frozen=True)
class Published:
    region: str
    layer_name: str
    arn: str | None
    version: int | None
    skipped: bool
    code_sha256: str
    reason: str  # "unchanged", "new layer", "content changed", "compatibility changed"
    s3_uri: str | None = None
    dry_run: bool = False

    def as_json(self) -> dict:
        out = {
            "arn": self.arn,
            "version": self.version,
            "skipped": self.skipped,
            "code_sha256": self.code_sha256,
            "reason": self.reason,
        }
        if self.s3_uri:
            out["s3_uri"] = self.s3_uri
        if self.dry_run:
            out["dry_run"] = True
        return out


# ---------------------------------------------------------------------------------------------- the zip


def read_layer_zip(path: str | Path) -> LayerZip:
    """Hash and sizes; the unzipped size comes from the central directory (nothing is extracted)."""
    from layerbuild.zip.writer import sha256_file

    path = Path(path)
    if not path.is_file():
        raise InputError(f"layer zip {path} does not exist: build it first (layerbuild build …) or fix the path")
    try:
        with zipfile.ZipFile(path) as zf:
            unzipped = sum(info.file_size for info in zf.infolist())
    except zipfile.BadZipFile:
        raise InputError(f"{path} is not a zip file: pass the layer zip that `layerbuild build` wrote") from None
    return LayerZip(path=path, sha256_hex=sha256_file(path), zipped_bytes=path.stat().st_size, unzipped_bytes=unzipped)


def _has_native_code(path: Path) -> bool:
    with zipfile.ZipFile(path) as zf:
        return any(name.endswith(".so") or ".so." in name for name in zf.namelist())


def compatibility_for(layer: LayerZip, runtime: str | None = None, arch: str | None = None) -> Compatibility:
    """The target from --runtime/--arch, else the zip's name, else the wheels' tags inside it."""
    from layerbuild.measure.target_detect import detect_target

    target, source = detect_target(layer.path, runtime, arch)
    if target is None:
        raise InputError(
            f"cannot tell which runtime {layer.path.name} is for (no pythonX.Y in its name, no "
            "compiled wheels inside): pass --runtime and --arch"
        )
    # Target.compatible_runtimes is the one source of truth: an AL2023 layer never claims python3.10/3.11.
    if "default arch" in source and not _has_native_code(layer.path):
        # Nothing says which architecture, and there is no native code: it runs on both.
        return Compatibility(
            target.compatible_runtimes, tuple(ARCHITECTURES), source.replace("default arch", "no native code")
        )
    return Compatibility(target.compatible_runtimes, target.compatible_architectures, source)


def jobs_from_plan(plan_path: Path) -> list[tuple[str, Path, str | None, str | None]]:
    """(name, zip, runtime, arch) for every layer of a plan written by `layerbuild build --config`."""
    if not plan_path.is_file():
        raise InputError(f"no build plan at {plan_path}: run `layerbuild build --config …` first (or pass --plan PATH)")
    try:
        plan = json.loads(plan_path.read_text(encoding="utf-8"))
        entries = plan["layers"]
        if not isinstance(entries, list):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        raise InputError(
            f'{plan_path} is not a layerbuild plan (no "layers" list): rebuild it with `layerbuild build --config …`'
        ) from None
    jobs = []
    for entry in entries:
        if not isinstance(entry, dict) or not entry.get("name") or not (entry.get("zip") or entry.get("zip_name")):
            raise InputError(
                f'{plan_path}: a layer entry has no "name" or "zip": rebuild it with `layerbuild build --config …`'
            )
        # "zip" is where the build wrote it; "zip_name" is the file next to plan.json when the output
        # folder was moved (e.g. downloaded as a CI artifact). The first that exists wins.
        given = Path(entry.get("zip") or entry["zip_name"])
        candidates = [given, plan_path.parent / given, plan_path.parent / (entry.get("zip_name") or given.name)]
        zip_path = next((c for c in candidates if c.is_file()), given)
        jobs.append((str(entry["name"]), zip_path, entry.get("runtime"), entry.get("arch")))
    if not jobs:
        raise InputError(f"{plan_path} lists no layers: nothing to publish")
    return jobs


# ---------------------------------------------------------------------------------------------- checks


def check_request(jobs: list[LayerJob], options: PublishOptions) -> None:
    """Everything that can be refused before any AWS call."""
    check_regions(options.regions)
    if len(set(options.regions)) != len(options.regions):
        raise InputError("a region is named twice: pass each --region once")
    names = [job.name for job in jobs]
    if len(set(names)) != len(names):
        raise InputError("two layers have the same name: give each layer its own name")
    for job in jobs:
        if not _LAYER_NAME.match(job.name):
            raise InputError(
                f"layer name {job.name!r} is not valid for Lambda: use letters, digits, - and _ (at most 140)"
            )
        layer = job.layer
        if layer.unzipped_bytes > MAX_UNZIPPED_BYTES:
            raise InputError(
                f"{layer.path.name} unzips to {layer.unzipped_bytes:,} bytes, over Lambda's "
                f"{MAX_UNZIPPED_BYTES:,}-byte limit: slim it (--slim aggressive) or split it"
            )
        if layer.zipped_bytes > MAX_DIRECT_UPLOAD_ZIPPED_BYTES and not options.s3_bucket:
            raise InputError(
                f"{layer.path.name} is {layer.zipped_bytes:,} bytes zipped, over the "
                f"{MAX_DIRECT_UPLOAD_ZIPPED_BYTES:,}-byte direct upload limit: pass --s3-bucket "
                "to publish it through S3"
            )
    for principal in options.principals:
        if not _ACCOUNT_ID.match(principal):
            raise InputError(
                f"--principal {principal!r} is not a 12-digit AWS account id: use --public to share with every account"
            )
    if options.organization_id and not _ORGANIZATION_ID.match(options.organization_id):
        raise InputError(f"--organization-id {options.organization_id!r} is not an organization id (o-xxxxxxxxxx)")
    if options.description and len(options.description) > MAX_DESCRIPTION:
        raise InputError(f"--description is longer than Lambda's {MAX_DESCRIPTION} characters: shorten it")
    if options.license_info and len(options.license_info) > MAX_LICENSE_INFO:
        raise InputError(f"--license-info is longer than Lambda's {MAX_LICENSE_INFO} characters: shorten it")
    if options.ssm_parameter and len(jobs) > 1 and "{layer}" not in options.ssm_parameter:
        raise InputError(
            "--ssm-parameter must contain {layer} when publishing several layers (e.g. /layers/{layer}/arn)"
        )


def s3_location(job: LayerJob, region: str, options: PublishOptions) -> tuple[str, str]:
    """(bucket, key): content-addressed, so an unchanged zip is never uploaded twice."""
    assert options.s3_bucket
    bucket = options.s3_bucket.replace("{region}", region)
    prefix = options.s3_prefix.strip("/")
    key = f"{prefix + '/' if prefix else ''}{job.name}/{job.layer.sha256_hex}.zip"
    return bucket, key


def ssm_name(job: LayerJob, options: PublishOptions) -> str | None:
    return options.ssm_parameter.replace("{layer}", job.name) if options.ssm_parameter else None


# ---------------------------------------------------------------------------------------------- phase 1


@dataclass(frozen=True)
class _Decision:
    job: LayerJob
    region: str
    latest_version: int | None
    latest_arn: str | None
    reason: str

    @property
    def unchanged(self) -> bool:
        return self.reason == "unchanged"


def _latest_version(lam, name: str) -> dict | None:
    newest = None
    for page in lam.get_paginator("list_layer_versions").paginate(LayerName=name):
        for version in page.get("LayerVersions", []):
            if newest is None or version["Version"] > newest["Version"]:
                newest = version
    return newest


def _inspect_region(region: str, jobs: list[LayerJob], options: PublishOptions, clients: Clients) -> list[_Decision]:
    lam = clients.get("lambda", region)
    decisions = []
    for job in jobs:
        newest = _latest_version(lam, job.name)
        if newest is None:
            decisions.append(_Decision(job, region, None, None, "new layer"))
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
        decisions.append(_Decision(job, region, newest["Version"], detail["LayerVersionArn"], reason))
    if options.s3_bucket and any(not d.unchanged for d in decisions):
        _check_bucket(region, decisions[0].job, options, clients)
    return decisions


def _check_bucket(region: str, job: LayerJob, options: PublishOptions, clients: Clients) -> None:
    import botocore.exceptions as bx

    bucket, _ = s3_location(job, region, options)
    s3 = clients.get("s3", region)
    try:
        head = s3.head_bucket(Bucket=bucket)
    except bx.ClientError as exc:
        code = exc.response.get("Error", {}).get("Code") or ""
        if code in ("404", "NoSuchBucket", "NotFound"):
            raise AwsError(
                f"S3 bucket {bucket!r} does not exist (needed in {region}): create it or pass another --s3-bucket"
            ) from None
        if code in ("403", "AccessDenied", "Forbidden"):
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


# ---------------------------------------------------------------------------------------------- phase 2


class _RegionFailed(Exception):
    def __init__(self, region: str, done: list[Published], error: LayerbuildError) -> None:
        super().__init__(str(error))
        self.region, self.done, self.error = region, done, error


def _publish_one(lam, decision: _Decision, options: PublishOptions, clients: Clients) -> Published:
    job, region = decision.job, decision.region
    kwargs: dict = {
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
        _upload(region, bucket, key, job, clients)
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


def _upload(region: str, bucket: str, key: str, job: LayerJob, clients: Clients) -> None:
    import botocore.exceptions as bx

    s3 = clients.get("s3", region)
    try:
        head = s3.head_object(Bucket=bucket, Key=key)
        if head.get("ContentLength") == job.layer.zipped_bytes:
            return  # the key is the content's hash: this exact zip is already there
    except bx.ClientError as exc:
        if (exc.response.get("Error", {}).get("Code") or "") not in ("404", "NoSuchKey", "NotFound"):
            raise
    note(f"{region}: uploading {job.layer.path.name} to s3://{bucket}/{key}")
    s3.upload_file(str(job.layer.path), bucket, key)


def _statements(options: PublishOptions) -> list[dict]:
    """The layer-version permissions asked for, each with a fixed statement id so re-runs add nothing."""
    wanted = [{"StatementId": f"layerbuild-account-{p}", "Principal": p} for p in options.principals]
    if options.organization_id:
        wanted.append(
            {
                "StatementId": f"layerbuild-org-{options.organization_id}",
                "Principal": "*",
                "OrganizationId": options.organization_id,
            }
        )
    if options.public:
        wanted.append({"StatementId": "layerbuild-public", "Principal": "*"})
    return wanted


def _ensure_permissions(lam, name: str, version: int, options: PublishOptions) -> None:
    wanted = _statements(options)
    if not wanted:
        return
    existing: set[str] = set()
    try:
        policy = json.loads(lam.get_layer_version_policy(LayerName=name, VersionNumber=version)["Policy"])
        existing = {s.get("Sid") for s in policy.get("Statement", [])}
    except lam.exceptions.ResourceNotFoundException:
        pass  # no policy yet
    for statement in wanted:
        if statement["StatementId"] not in existing:
            lam.add_layer_version_permission(
                LayerName=name, VersionNumber=version, Action="lambda:GetLayerVersion", **statement
            )


def _write_ssm(region: str, name: str, arn: str, clients: Clients) -> None:
    ssm = clients.get("ssm", region)
    try:
        if ssm.get_parameter(Name=name)["Parameter"]["Value"] == arn:
            return
    except ssm.exceptions.ParameterNotFound:
        pass
    ssm.put_parameter(Name=name, Value=arn, Type="String", Overwrite=True)
    note(f"{region}: {name} = {arn}")


def _publish_region(
    region: str, decisions: list[_Decision], options: PublishOptions, clients: Clients
) -> list[Published]:
    done: list[Published] = []
    doing = "connecting"
    try:
        lam = clients.get("lambda", region)
        for decision in decisions:
            job = decision.job
            if decision.unchanged:
                result = Published(
                    region,
                    job.name,
                    decision.latest_arn,
                    decision.latest_version,
                    True,
                    job.layer.code_sha256,
                    "unchanged",
                )
                note(f"{region}: {job.name} unchanged, version {decision.latest_version}")
            else:
                doing = f"publishing layer {job.name}"
                result = _publish_one(lam, decision, options, clients)
            done.append(result)
            doing = f"adding permissions to {job.name} version {result.version}"
            _ensure_permissions(lam, job.name, result.version, options)
            if name := ssm_name(job, options):
                doing = f"writing SSM parameter {name}"
                _write_ssm(region, name, result.arn, clients)
    except LayerbuildError as exc:
        raise _RegionFailed(region, done, exc) from None
    except Exception as exc:  # noqa: BLE001 - AWS errors become one line; anything else is a bug
        error = explain(exc, region, doing)
        if error is None:
            raise
        raise _RegionFailed(region, done, error) from None
    return done


# ---------------------------------------------------------------------------------------------- entry


def _in_parallel(regions: tuple[str, ...], work):
    """Run work(region) for every region at once; results in region order, exceptions collected."""
    results, failures = {}, {}
    with ThreadPoolExecutor(max_workers=min(8, len(regions))) as pool:
        futures = {region: pool.submit(work, region) for region in regions}
        for region, future in futures.items():
            try:
                results[region] = future.result()
            except Exception as exc:  # noqa: BLE001 - collected and reported together below
                failures[region] = exc
    return results, failures


def publish_layers(jobs: list[LayerJob], options: PublishOptions) -> list[Published]:
    """Publish each job's zip to every region where its content changed. Raises before writing if it can."""
    check_request(jobs, options)
    clients = Clients(options.aws)

    def inspect(region: str) -> list[_Decision]:
        try:
            return _inspect_region(region, jobs, options, clients)
        except LayerbuildError:
            raise
        except Exception as exc:  # noqa: BLE001
            error = explain(exc, region, "reading the layer's versions")
            if error is None:
                raise
            raise error from None

    decisions, failures = _in_parallel(options.regions, inspect)
    if failures:
        # Nothing has been written anywhere yet: report the first failure (in region order).
        raise next(iter(failures.values()))
    if options.dry_run:
        return [
            Published(
                d.region,
                d.job.name,
                d.latest_arn if d.unchanged else None,
                d.latest_version if d.unchanged else None,
                d.unchanged,
                d.job.layer.code_sha256,
                d.reason if d.unchanged else f"would publish: {d.reason}",
                dry_run=True,
            )
            for region in options.regions
            for d in decisions[region]
        ]

    published, failures = _in_parallel(
        options.regions, lambda region: _publish_region(region, decisions[region], options, clients)
    )
    unexpected = [exc for exc in failures.values() if not isinstance(exc, _RegionFailed)]
    if unexpected:
        raise unexpected[0]
    if failures:
        raise PublishFailed(_partial_message(options.regions, published, failures))
    return [p for region in options.regions for p in published[region]]


def _partial_message(regions, published: dict, failures: dict) -> str:
    failed = "; ".join(str(failures[region].error) for region in regions if region in failures)
    done = []
    for region in regions:
        items = published.get(region) or (failures[region].done if region in failures else [])
        if items:
            done.append(
                f"{region} ("
                + ", ".join(f"{p.layer_name}:{p.version}" + (" unchanged" if p.skipped else "") for p in items)
                + ")"
            )
    succeeded = ", ".join(done) if done else "none"
    return f"publish failed — {failed} — done so far: {succeeded}; fix the cause and run the same command again"
