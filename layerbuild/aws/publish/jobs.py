"""What to publish: a layer zip with its hash and sizes, what it is compatible with, the options, the
checks that refuse a request before any AWS call, and what each region reports back (`Published`)."""

from __future__ import annotations

import base64
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from layerbuild.aws.regions import check_regions
from layerbuild.aws.session import AwsSettings
from layerbuild.errors import InputError
from layerbuild.facts.limits import MAX_DIRECT_UPLOAD_ZIPPED_BYTES, MAX_UNZIPPED_BYTES
from layerbuild.facts.runtimes import ARCHITECTURES
from layerbuild.model.names import LAYER_NAME

# Lambda's own patterns and lengths (API reference: PublishLayerVersion, AddLayerVersionPermission).
_ACCOUNT_ID = re.compile(r"^\d{12}$")
_ORGANIZATION_ID = re.compile(r"^o-[a-z0-9]{10,32}$")
MAX_DESCRIPTION = 256
MAX_LICENSE_INFO = 512


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

    def as_json(self) -> dict[str, Any]:
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


def read_layer_zip(path: str | Path) -> LayerZip:
    """Hash and sizes; the unzipped size comes from the central directory (nothing is extracted)."""
    from layerbuild.util.filehash import sha256_file

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


def check_request(jobs: list[LayerJob], options: PublishOptions) -> None:
    """Everything that can be refused before any AWS call."""
    check_regions(options.regions)
    if len(set(options.regions)) != len(options.regions):
        raise InputError("a region is named twice: pass each --region once")
    names = [job.name for job in jobs]
    if len(set(names)) != len(names):
        raise InputError("two layers have the same name: give each layer its own name")
    for job in jobs:
        if not LAYER_NAME.match(job.name):
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
