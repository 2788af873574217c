"""Remove a big folder beside the work that follows, instead of before it.

Deleting a staging tree (thousands of files, hundreds of folders) is mostly waiting on the file system:
freeing blocks, and on a disk mounted with `discard` a trim per freed extent (here ~1 ms a folder). The
folder is renamed out of the way at once (so the caller can reuse or publish its parent) into `into`,
named `<pid>-trash-…` so that a later build's `sweep_trash` (and the cache's sweep of its tmp folder)
removes what a killed process left, and removed by a thread the interpreter waits for before it exits.
Where `rm` exists that thread only waits for `rm -rf` (a child, stopped with the rest on a signal:
children.py): shutil.rmtree would hold the GIL for every entry, and a build's zip writer and checks run
beside it (boto3's set-aside closure is 2,248 files, the medium set's tree 2,300).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from pathlib import Path


def remove_soon(path: Path, into: Path) -> None:
    """Remove `path` (a folder); it is gone from where it was when this returns."""
    if path.is_dir() and not move_aside([path], into):
        shutil.rmtree(path, ignore_errors=True)  # another file system or no room: remove it here


def move_aside(paths: list[Path], into: Path) -> list[Path]:
    """Move the folders `paths` into one trash folder in `into` (on their file system) and remove that
    in a thread; returns those moved (a folder that cannot be renamed stays)."""
    if not paths:
        return []
    try:
        spot = Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-trash-", dir=into))
    except OSError:
        return []
    moved: list[Path] = []
    for i, path in enumerate(paths):
        try:
            os.rename(path, spot / str(i))
        except OSError:
            continue
        moved.append(path)
    threading.Thread(target=_remove, args=(spot,), daemon=False).start()
    return moved


def _remove(path: Path) -> None:
    rm = shutil.which("rm")
    if rm is not None:
        import subprocess

        try:
            subprocess.run([rm, "-rf", "--", str(path)], stdin=subprocess.DEVNULL, capture_output=True, check=False)
        except OSError:
            pass
    shutil.rmtree(path, ignore_errors=True)  # what rm could not remove, or all of it without rm


def sweep_trash(into: Path) -> None:
    """Remove what `remove_soon` left in `into` when its process was killed before its thread ended."""
    from layerbuild.util.cachedir import pid_alive

    try:
        children = [c for c in into.iterdir() if "-trash-" in c.name]
    except OSError:
        return
    for child in children:
        pid = child.name.split("-", 1)[0]
        if pid.isdigit() and not pid_alive(int(pid)):
            shutil.rmtree(child, ignore_errors=True)
