"""What a build says about the layer it made, and the one layer it refuses to make.

Over Lambda's limits (or --max-unzipped) a layer is still written, never silently; a package that
shadows a dependency of the runtime's SDK gets a line; a lock with nothing to install is an input error.
"""

from __future__ import annotations

from pathlib import Path

from layerbuild.errors import InputError
from layerbuild.model.lock import Lock
from layerbuild.model.report import LayerReport
from layerbuild.model.target import Target
from layerbuild.util.progress import warn


def warn_about_limits(report: LayerReport, max_unzipped: int | None = None) -> None:
    """A layer Lambda cannot take is still written (it may be split later), but never silently."""
    from layerbuild.facts.limits import MAX_DIRECT_UPLOAD_ZIPPED_BYTES, MAX_UNZIPPED_BYTES
    from layerbuild.util.units import human_bytes

    inv = report.inventory
    limit = MAX_UNZIPPED_BYTES if max_unzipped is None else max_unzipped
    what = "Lambda's limit of" if max_unzipped is None else "the --max-unzipped budget of"
    if inv.unzipped_bytes > limit:
        biggest = ", ".join(f"{d.name} {human_bytes(d.unzipped_bytes)}" for d in inv.distributions[:3])
        hint = "; --bytecode only is smaller" if report.bytecode_mode == "alongside" else ""
        warn(
            f"{report.layer_path} is {human_bytes(inv.unzipped_bytes)} unzipped, over {what} "
            f"{limit:,} bytes for a function and all its layers (biggest: {biggest}): "
            f"split it with `layerbuild plan`, or leave packages out{hint}"
        )
    elif inv.zip_file_bytes > MAX_DIRECT_UPLOAD_ZIPPED_BYTES:
        warn(
            f"{report.layer_path} is {human_bytes(inv.zip_file_bytes)} zipped: publishing it needs an S3 bucket "
            "(layerbuild publish --s3-bucket)"
        )


def warn_about_runtime_sdk(report: LayerReport, memo: Path) -> None:
    """One line per package that replaces, on Lambda's sys.path, a dependency of the runtime's boto3/botocore
    with a version the SDK does not accept (runtime_sdk.py; the audit reports it as LB403)."""
    from layerbuild.measure.runtime_sdk import shadow_warnings
    from layerbuild.model.inventory import UNOWNED

    if report.target is None:
        return
    layer = {d.name: d.version for d in report.inventory.distributions if d.name != UNOWNED}
    for line in shadow_warnings(layer, report.target, memo):
        warn(line)


def refuse_empty_layer(path: Path, lock: Lock, drop: frozenset[str], target: Target) -> None:
    """A layer with no package in it is a mistake, never a 22-byte zip and exit 0."""
    if lock.names() - drop:
        return
    where = f"{target.runtime} {target.arch}"
    if not lock.pins:
        raise InputError(
            f"no requirement in {path} applies to {where} (their markers exclude it): "
            "the layer would be empty; check the markers or the --runtime"
        )
    listed = sorted(p.name for p in lock.pins if p.direct) or sorted(lock.names())
    raise InputError(
        f"everything {path} lists ({', '.join(listed)}) is provided by the {target.runtime} runtime, "
        "so the layer would be empty: pass --keep-runtime-packages to ship your own version"
    )
