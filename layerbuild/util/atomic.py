"""Write output files so that nobody ever sees half of one: a temporary file beside it, then a rename.

A failed write names the file the user asked for (not our temporary one) and leaves nothing behind;
temporary files of killed processes are removed by the next write. Devices and pipes (`-o /dev/null`,
`-o /dev/stdout`, a FIFO) are written straight through: renaming over them would replace the device.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from layerbuild.errors import InputError


def write_atomic(dest: Path, write: Callable[[Path], object]) -> None:
    """Write `dest` through `write(tmp)` on a temporary file beside it, then rename it into place."""
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    _sweep_dead_temps(dest)
    try:
        write(tmp)
        os.replace(tmp, dest)
    except BaseException as exc:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass  # e.g. the parent is a file: there is nothing to clean up
        if isinstance(exc, OSError):
            # Name the file the user asked for, not our temporary one (or the cache file copied from).
            raise InputError(
                f"cannot write {dest}: {exc.strerror or exc}: check the path, free space and permissions"
            ) from None
        raise


def keep_cache_text(path: Path, text: str) -> None:
    """Write a cache file by rename (its folder made if missing), complete or absent to a reader; a cache
    that cannot be written only costs recomputing it next time, so an OSError is swallowed."""
    keep_cache_bytes(path, text.encode("utf-8"))


def keep_cache_bytes(path: Path, data: bytes) -> None:
    """keep_cache_text for bytes."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass


def _sweep_dead_temps(dest: Path) -> None:
    """Remove `.NAME.PID.tmp` files beside `dest` left by a killed process (SIGKILL runs no cleanup)."""
    from layerbuild.util.cachedir import pid_alive

    try:
        siblings = list(dest.parent.glob(f".{dest.name}.*.tmp"))
    except OSError:
        return
    for stale in siblings:
        pid = stale.name[len(dest.name) + 2 : -len(".tmp")]
        if pid.isdigit() and not pid_alive(int(pid)):
            stale.unlink(missing_ok=True)


def write_text_output(dest: Path, text: str) -> None:
    """A command's `-o FILE`: its folder made if missing, then written atomically (or through, for devices)."""
    if dest.exists() and not dest.is_file():
        if dest.is_dir():
            raise InputError(f"{dest} is a folder: pass a file name to -o")
        try:
            with open(dest, "w", encoding="utf-8") as fh:
                fh.write(text)
        except OSError as exc:
            raise InputError(f"cannot write {dest}: {exc.strerror or exc}") from None
        return
    if dest.parent.exists() and not dest.parent.is_dir():
        raise InputError(f"cannot write {dest}: {dest.parent} is a file, not a folder: pass another -o")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create the folder of {dest}: {exc.strerror or exc}: pass another -o") from None
    write_atomic(dest, lambda tmp: tmp.write_text(text, encoding="utf-8"))
