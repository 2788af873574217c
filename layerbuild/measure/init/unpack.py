"""Lay code and layers out as Lambda unpacks them: zip extracted or folder copied, later files winning."""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

from layerbuild.errors import InputError


def unpack(source: Path, dest: Path, what: str, skip: set[str] | None = None) -> None:
    """Extract a zip or copy a folder into `dest`, replacing files already there (later layers win)."""
    if source.is_dir():
        for dirpath, dirnames, filenames in os.walk(source):
            dirnames[:] = sorted(d for d in dirnames if not (skip and d in skip))
            rel = Path(dirpath).relative_to(source)
            (dest / rel).mkdir(parents=True, exist_ok=True)
            for name in filenames:
                target = dest / rel / name
                if target.is_dir() and not target.is_symlink():
                    shutil.rmtree(target)
                shutil.copy2(Path(dirpath) / name, target)
        return
    if not source.is_file():
        raise InputError(f"{what} {source} does not exist: pass a folder or a .zip")
    try:
        with zipfile.ZipFile(source) as zf:
            for info in zf.infolist():
                out = dest / info.filename
                if not info.is_dir() and out.is_dir():
                    shutil.rmtree(out)
                zf.extract(info, dest)  # zipfile drops absolute paths and `..` parts
    except zipfile.BadZipFile:
        raise InputError(f"{what} {source} is not a zip file: pass a folder or a .zip") from None


def set_writable(root: Path, writable: bool) -> None:
    for dirpath, dirnames, filenames in os.walk(root):
        for name in (*dirnames, *filenames, ""):
            p = os.path.join(dirpath, name) if name else dirpath
            if os.path.islink(p):
                continue
            mode = os.stat(p).st_mode
            os.chmod(p, (mode | 0o200) if writable else (mode & ~0o222))
