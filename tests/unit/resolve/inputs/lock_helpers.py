"""Shared by the poetry.lock, Pipfile.lock and pylock.toml reader tests: a manifest read through the real
seam (`open_source` -> `lock_from_file`, never resolving), and the truth computed from the lock itself."""

from __future__ import annotations

import shutil
from pathlib import Path

from packaging.markers import Marker

from layerbuild.model.lock import Lock
from layerbuild.model.target import Target
from layerbuild.model.target import marker_environment as marker_env
from layerbuild.resolve.inputs import ProjectOptions, open_source
from layerbuild.resolve.locked import lock_from_file

DATA = Path(__file__).resolve().parents[3] / "data"


def copy(name: str, tmp: Path) -> Path:
    dest = tmp / name
    shutil.copytree(DATA / name, dest)
    return dest


def locked(source: Path, runtime: str = "python3.12", arch: str = "x86_64", **options: object) -> Lock:
    target = Target(runtime, arch)
    lock = lock_from_file(open_source(source, ProjectOptions(**options), target), target)  # type: ignore[arg-type]
    assert lock is not None
    return lock


def versions(lock: Lock) -> dict[str, str | None]:
    return {p.name: p.version for p in lock.pins}


def holds(marker: str | None, python: str, machine: str = "x86_64", extras: tuple[str, ...] = ()) -> bool:
    return not marker or any(Marker(marker).evaluate(marker_env(python, machine, e)) for e in ("", *extras))
