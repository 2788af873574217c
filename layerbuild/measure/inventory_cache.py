"""The inventory of a zip whose sha256 is known, remembered by that sha256.

A zip's inventory is a function of its bytes alone, and reading it (every entry, every RECORD) is most of
an unchanged rebuild's time once the layer comes from the build cache. So it is kept as JSON under the
cache folder's `inventories/<sha256>.json`, written atomically; the layer's path (`root`) is the caller's.
An entry of another format or that does not read back is measured again and replaced.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from layerbuild.model.inventory import DistSize, FileEntry, Inventory

_FORMAT = "layerbuild-inventory-1"


def _entry(sha256: str) -> Path:
    from layerbuild.util.cachedir import cache_root

    return cache_root() / "inventories" / sha256[:2] / f"{sha256}.json"


def _to_json(inv: Inventory) -> str:
    return json.dumps(
        {
            "format": _FORMAT,
            "distributions": [asdict(d) for d in inv.distributions],
            "files": [[f.path, f.unzipped_bytes, f.zipped_bytes, f.is_symlink, f.distribution] for f in inv.files],
            "unzipped_bytes": inv.unzipped_bytes,
            "zipped_bytes": inv.zipped_bytes,
            "file_count": inv.file_count,
            "archive_bytes": inv.archive_bytes,
        }
    )


def _dist(d: dict[str, Any]) -> DistSize:
    return DistSize(
        **{
            **d,
            "native_libs": tuple(d["native_libs"]),
            "top_level": tuple(d["top_level"]),
            "largest_files": tuple((str(p), int(n)) for p, n in d["largest_files"]),
        }
    )


def _from_json(text: str, root: str) -> Inventory | None:
    try:
        data = json.loads(text)
        if data.get("format") != _FORMAT:
            return None
        return Inventory(
            root=root,
            distributions=tuple(_dist(d) for d in data["distributions"]),
            files=tuple(FileEntry(p, u, z, s, o) for p, u, z, s, o in data["files"]),
            unzipped_bytes=data["unzipped_bytes"],
            zipped_bytes=data["zipped_bytes"],
            file_count=data["file_count"],
            archive_bytes=data["archive_bytes"],
        )
    except (ValueError, KeyError, TypeError):
        return None


def remember_written(
    zf: zipfile.ZipFile, path: Path, sha256: Callable[[], str], read_text: Callable[[str], str | None]
) -> str:
    """Keep the inventory of the zip at `path` that `zf` just wrote, so that `inventory_of_known_zip`
    finds it: a build makes it beside its checks instead of after them (measure/inventory.
    inventory_of_written). `sha256()` gives the zip's sha256 (hashed meanwhile in another thread: it
    lets go of the GIL), which is returned. Best effort: an entry that cannot be kept is measured later."""
    from layerbuild.measure.inventory import inventory_of_written
    from layerbuild.util.atomic import keep_cache_text

    try:
        inventory = inventory_of_written(zf, path, read_text)
    except OSError:
        return sha256()
    digest = sha256()
    keep_cache_text(_entry(digest), _to_json(inventory))
    return digest


def inventory_of_known_zip(path: Path, sha256: str) -> Inventory:
    """`inventory_of_zip(path)` for a zip whose bytes hash to `sha256` (the caller knows: it wrote or checked it)."""
    entry = _entry(sha256)
    try:
        found = _from_json(entry.read_text(encoding="utf-8"), str(path))
    except OSError:
        found = None
    if found is not None:
        return found
    from layerbuild.measure.inventory import inventory_of_zip

    inv = inventory_of_zip(path)
    from layerbuild.util.atomic import keep_cache_text

    keep_cache_text(entry, _to_json(inv))
    return replace(inv, root=str(path))
