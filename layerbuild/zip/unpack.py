"""Unpack a built zip into a folder: `layerbuild build --into DIR` (SAM's makefile builds write the layer's
`python/` tree into `$(ARTIFACTS_DIR)`, docs/sam.md).

Every entry is extracted into a private folder inside DIR first, then each top-level entry (`python/` for
a layer) is renamed into place, replacing what was there: a reader never sees half a tree, and a killed
unpack leaves only the private folder, which the next unpack removes. Modes are the zip's (0644/0755);
entries that would land outside DIR are refused (our zips have none, but DIR may be anyone's zip).
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
import zipfile
from pathlib import Path

from layerbuild.errors import InputError

_PRIVATE = ".layerbuild-unpack-"


def unpack_layer(zip_path: Path, dest: Path) -> list[Path]:
    """Extract `zip_path` into `dest` (created if missing); returns the top-level paths written."""
    from layerbuild.measure.zip_entries import refuse_escaping_entry

    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create --into folder {dest}: {exc.strerror}: pass another folder") from None
    for stale in dest.glob(f"{_PRIVATE}*"):
        shutil.rmtree(stale, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(prefix=_PRIVATE, dir=dest))
    written = []
    try:
        with zipfile.ZipFile(zip_path) as zf:
            for info in zf.infolist():
                refuse_escaping_entry(zip_path, info.filename)
                target = tmp / info.filename
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(target, "wb") as out:
                    shutil.copyfileobj(src, out)
                mode = (info.external_attr >> 16) & 0o777
                os.chmod(target, 0o755 if mode & stat.S_IXUSR else 0o644)
        for top in sorted(tmp.iterdir()):
            final = dest / top.name
            if final.is_dir() and not final.is_symlink():
                old = Path(tempfile.mkdtemp(prefix=_PRIVATE, dir=dest)) / top.name
                os.rename(final, old)
                os.rename(top, final)
                shutil.rmtree(old.parent, ignore_errors=True)
            else:
                os.replace(top, final)
            written.append(final)
    except OSError as exc:
        raise InputError(f"cannot unpack {zip_path} into {dest}: {exc.strerror or exc}: check the folder") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return written
