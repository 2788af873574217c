"""A folder's file entries, with the bytes each would take in a zip (deflate level 6, as our zips use).

Only a file's own metadata is read (lstat): links are not followed, and FIFOs, sockets and devices are
never opened (a FIFO would block forever); they are listed by kind instead.
"""

from __future__ import annotations

import os
import stat
import zlib
from pathlib import Path

from layerbuild.model.inventory import FileEntry

# A zip entry's fixed headers: local (30 bytes) and central directory (46), each followed by the name.
_HEADER_BYTES = 30 + 46


def special_kind(mode: int) -> str | None:
    """What a non-regular, non-link file is (`fifo`, `socket`, `character device`, `block device`), else None."""
    if stat.S_ISFIFO(mode):
        return "fifo"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode):
        return "character device"
    if stat.S_ISBLK(mode):
        return "block device"
    return None


def _walk(root: Path) -> tuple[list[tuple[str, Path, bool, int]], list[tuple[str, str]]]:
    """(relative path, path, is a link, size) of every regular file and link under `root`, sorted, and
    the (path, kind) of everything else found there."""
    rels: list[tuple[str, Path, bool, int]] = []
    special: list[tuple[str, str]] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            p = Path(dirpath) / name
            rel = p.relative_to(root).as_posix()
            try:
                st = p.lstat()
            except FileNotFoundError:  # removed while we walked
                continue
            if stat.S_ISREG(st.st_mode) or stat.S_ISLNK(st.st_mode):
                rels.append((rel, p, stat.S_ISLNK(st.st_mode), st.st_size))
            else:
                special.append((rel, special_kind(st.st_mode) or "special file"))
    return rels, special


def _deflated_size(path: Path) -> int:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return len(c.compress(path.read_bytes()) + c.flush())


def folder_entries(root: Path, *, measure_zipped: bool = True) -> tuple[list[FileEntry], list[tuple[str, str]]]:
    """The regular files and links under `root` as zip entries, and the (path, kind) of the special files.

    `zipped_bytes` is what deflate makes of each file (0 unless `measure_zipped`: a caller that needs only
    unzipped sizes skips compressing), plus the headers it would get in a zip with the same name.
    """
    from concurrent.futures import ThreadPoolExecutor

    rels, special = _walk(root)
    real = [p for _, p, link, _ in rels if not link]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        zipped = list(pool.map(_deflated_size, real)) if measure_zipped else [0] * len(real)
    zipped_by_path = dict(zip(real, zipped))
    entries = []
    for rel, p, link, size in rels:
        headers = _HEADER_BYTES + 2 * len(rel.encode("utf-8"))
        # Our zips store a file as-is when deflate would not make it smaller (zip/writer.py).
        entries.append(FileEntry(rel, size, min(zipped_by_path.get(p, size), size) + headers, is_symlink=link))
    return entries, special
