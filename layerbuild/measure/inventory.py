"""What is in a layer or function package: the Inventory of any zip or folder.

Works on any zip or folder, not only ones layerbuild built: it never builds, installs or resolves.
Reading the entries is in zip_entries.py and folder_entries.py; who owns each file in ownership.py;
the Inventory type itself in layerbuild/model/inventory.py.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from layerbuild.errors import InputError
from layerbuild.measure.folder_entries import folder_entries, special_kind
from layerbuild.measure.ownership import build_inventory
from layerbuild.measure.zip_entries import zip_entries
from layerbuild.model.inventory import Inventory


def inventory_of_zip(path: Path) -> Inventory:
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"{path} is not a readable zip ({exc}): rebuild or re-download it") from None
    with zf:
        entries = zip_entries(zf, path)
        names = {e.path for e in entries}

        def read_text(name: str) -> str | None:
            if name not in names:
                return None
            try:
                return zf.read(name).decode("utf-8", errors="replace")
            except (zipfile.BadZipFile, zlib.error, OSError) as exc:
                raise InputError(f"{path} is corrupt ({name}: {exc}): rebuild or re-download it") from None

        return build_inventory(str(path), entries, read_text, archive_bytes=path.stat().st_size)


def inventory_of_written(zf: zipfile.ZipFile, path: Path, read_text: Callable[[str], str | None]) -> Inventory:
    """`inventory_of_zip(path)` for a zip this process just wrote, without reading it back: `zf` is its
    ZipFile (closed: it still lists the entries and where the central directory starts) and `read_text`
    reads an entry's text from where it was written from (the same bytes, decoded the same way)."""
    entries = zip_entries(zf, path)
    names = {e.path for e in entries}
    return build_inventory(
        str(path), entries, lambda name: read_text(name) if name in names else None, archive_bytes=path.stat().st_size
    )


def inventory_of_dir(root: Path, *, measure_zipped: bool = True) -> Inventory:
    """A folder's inventory; its `zipped_bytes` estimate the zip it would make (folder_entries.py).
    Only regular files are read; FIFOs, sockets and devices are skipped and listed in `skipped_special`."""
    entries, special = folder_entries(root, measure_zipped=measure_zipped)

    def read_text(name: str) -> str | None:
        p = root / name
        if p.is_symlink() or not p.is_file():
            return None
        return p.read_text(encoding="utf-8", errors="replace")

    return replace(build_inventory(str(root), entries, read_text), skipped_special=tuple(special))


def inventory_of(path: Path) -> Inventory:
    if path.is_dir():
        return inventory_of_dir(path)
    if not path.exists():
        raise InputError(f"{path} does not exist: name a layer zip, a function zip or a folder")
    refuse_special_file(path)
    return inventory_of_zip(path)


def refuse_special_file(path: Path) -> None:
    """A FIFO, socket or device given where a zip is expected: reading it could block forever."""
    try:
        kind = special_kind(path.stat().st_mode)
    except OSError:
        return  # the caller's open reports it
    if kind:
        raise InputError(f"{path} is a {kind}, not a file: name a layer zip, a function zip or a folder")
