"""Resolve requirements for a Lambda target into a pinned, hashed lock (uv pip compile).

A file that is already a lock (every requirement pinned and hashed) is used as it is (locked.py).
Otherwise uv resolves wheels first (uv_compile.py): where uv's platform is the runtime's own, its answer
is the lock (exact.py); for Amazon Linux 2, every wheel it offers is checked against the runtime and
versions without one that runs are excluded (checked.py). A package that has no usable wheel at any
allowed version is resolved from source; the install stage then decides whether it builds without
Docker (pure Python) or needs the build container.
"""

from __future__ import annotations

from pathlib import Path

from layerbuild.model.lock import Lock
from layerbuild.model.target import Target
from layerbuild.resolve.requirements import RequirementsInput, read_requirements


def lock_requirements(path: str | Path | RequirementsInput, target: Target) -> Lock:
    """Resolve `path` for `target`: newest versions whose wheels run there, pinned and hashed."""
    reqs = path if isinstance(path, RequirementsInput) else read_requirements(path)
    if reqs.all_hashed_pins:
        from layerbuild.resolve.locked import lock_from_file

        existing = lock_from_file(reqs, target)
        if existing is not None:
            return existing
    if target.uv_is_exact:
        from layerbuild.resolve.exact import resolve_exact

        return resolve_exact(reqs, target)
    import tempfile

    from layerbuild.resolve.checked import resolve_checked

    with tempfile.TemporaryDirectory(prefix="layerbuild-resolve-") as tmp:
        return resolve_checked(reqs, target, Path(tmp))
