"""Real sizes of packages for a target, measured from their installed wheels and remembered.

Each distinct (package, version, target) is installed once with the wheels installer into a staging
folder and measured with `inventory.inventory_of_dir` (unzipped bytes, and deflated bytes as our zips
compress). The result is kept in the layerbuild cache (`sizes/<target>/<name>-<version>.json`), so
planning again is instant and never installs anything. Sizes are of the packages as installed, before
slimming and bytecode, which a build then applies; `layerbuild build --config` reports the built sizes.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import replace
from functools import partial
from pathlib import Path

from layerbuild.build.cache import BuildCache
from layerbuild.errors import InstallError
from layerbuild.model.lock import Lock, Pin
from layerbuild.model.target import Target
from layerbuild.plan.model import Package
from layerbuild.util.cachedir import cache_root

_FORMAT = 1  # bump when what is measured changes


def _version_of(pin: Pin) -> str:
    return pin.version or f"url-{hashlib.sha256((pin.source or '').encode()).hexdigest()[:16]}"


def _entry_path(root: Path, target: Target, pin: Pin) -> Path:
    return root / "sizes" / target.slug / f"{pin.name}-{_version_of(pin)}.json"


def _read(path: Path) -> tuple[int, int] | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if data.get("format") != _FORMAT:
        return None
    return int(data["unzipped_bytes"]), int(data["zipped_bytes"])


def measure_pins(lock: Lock, pins: tuple[Pin, ...], *, root: Path | None = None) -> dict[str, Package]:
    """`Package` (with real sizes) for each of `pins`, by name; pins whose markers exclude the target
    (the installer skips them) are left out."""
    from layerbuild.util.atomic import write_atomic

    root = root or cache_root()
    target = lock.target
    found: dict[str, Package] = {}
    missing: list[Pin] = []
    for pin in pins:
        sizes = _read(_entry_path(root, target, pin))
        if sizes is None:
            missing.append(pin)
        else:
            found[pin.name] = Package(pin.name, _version_of(pin), *sizes)
    if not missing:
        return found
    from layerbuild.install.wheels import WheelsInstaller
    from layerbuild.measure.inventory import inventory_of_dir
    from layerbuild.util.progress import step

    cache = BuildCache(root)
    work = cache.staging()
    try:
        names = {p.name for p in missing}
        sub = replace(
            lock, pins=tuple(missing), build_from_source=tuple(n for n in lock.build_from_source if n in names)
        )
        with step(f"Measuring {len(missing)} packages for {target.runtime} {target.arch}"):
            WheelsInstaller().install(sub, target, work / "tree")
            inventory = inventory_of_dir(work / "tree")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for pin in missing:
        dist = inventory.get(pin.name)
        if dist is None:
            if pin.markers:
                continue  # its markers leave it out on this target
            raise InstallError(
                f"{pin.name} {pin.version} installed nothing measurable for {target.slug}: "
                "check that the package has files"
            )
        entry = _entry_path(root, target, pin)
        entry.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(
            {
                "format": _FORMAT,
                "name": pin.name,
                "version": _version_of(pin),
                "target": target.slug,
                "unzipped_bytes": dist.unzipped_bytes,
                "zipped_bytes": dist.zipped_bytes,
            }
        )
        write_atomic(entry, partial(Path.write_text, data=text))
        found[pin.name] = Package(pin.name, _version_of(pin), dist.unzipped_bytes, dist.zipped_bytes)
    return found
