"""A zip's file entries and the bytes each takes in the archive (local header, data, central entry).

Entries that would land outside the layer (absolute, or climbing out with `..`) are refused: anything
that extracted them naively would write outside its folder.
"""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

from layerbuild.errors import InputError
from layerbuild.model.inventory import FileEntry


def refuse_escaping_entry(path: Path, name: str) -> None:
    """A zip entry that is absolute or climbs out with `..` cannot be part of a layer: refuse the zip."""
    posix = name.replace("\\", "/")
    if posix.startswith("/") or (len(posix) > 1 and posix[1] == ":") or ".." in posix.split("/"):
        raise InputError(
            f"{path} has an entry outside the layer ({name!r}): a layer's paths are relative, "
            "without '..'; rebuild the zip"
        )


def _central_entry_bytes(info: zipfile.ZipInfo) -> int:
    # APPNOTE 4.3.12: 46 fixed bytes, then name, extra field and comment.
    return 46 + len(info.orig_filename.encode("utf-8")) + len(info.extra) + len(info.comment)


def _archive_spans(zf: zipfile.ZipFile) -> dict[int, int]:
    """Bytes each entry takes in the archive: from its local header to the next one, plus its central entry.

    Entries are laid out one after another, so the distance between header offsets is exact (it covers
    the local header, any data descriptor and the data). Where offsets look wrong (overlapping or
    prepended data), fall back to the compressed size plus the fixed local header.
    """
    infos = sorted(zf.infolist(), key=lambda i: i.header_offset)
    end = getattr(zf, "start_dir", None)
    spans = {}
    for i, info in enumerate(infos):
        nxt = infos[i + 1].header_offset if i + 1 < len(infos) else end
        local = 30 + len(info.orig_filename.encode("utf-8")) + len(info.extra) + info.compress_size
        if nxt is not None and local - len(info.extra) <= nxt - info.header_offset <= local + (1 << 16) + 24:
            local = nxt - info.header_offset
        spans[id(info)] = local + _central_entry_bytes(info)
    return spans


def zip_entries(zf: zipfile.ZipFile, path: Path) -> list[FileEntry]:
    """Every file and link of the zip at `path` (folders are not entries), in the zip's order."""
    entries = []
    spans = _archive_spans(zf)
    for info in zf.infolist():
        refuse_escaping_entry(path, info.filename)
        if info.is_dir():
            continue
        mode = info.external_attr >> 16
        entries.append(FileEntry(info.filename, info.file_size, spans[id(info)], is_symlink=stat.S_ISLNK(mode)))
    return entries
