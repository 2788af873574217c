"""Copy the entries a new zip shares with an earlier one, byte for byte, in runs.

A zip entry's local header holds no offset: its bytes (header, then stream) depend only on the entry's
name, date, CRC-32, sizes, method and deflate stream, and the stream on the content and the compressor.
So an entry of a zip this cache wrote before whose name, date, content (sha256, CRC-32, size) and
compressor are those of a file the writer is about to write has exactly the bytes the writer would
write. Entries that follow each other in both zips are copied as one slice of the earlier zip (mapped),
and only the new central directory learns where they now start. A rebuild that adds one package to the
medium set then writes ~2,270 of its 2,283 entries in a few slices instead of one remembered stream at a
time (zip/streams.py still serves every entry the earlier zip does not have).

The writer records what it wrote in `<zip>.entries` beside the zip, by rename: the compressor, the date
and the zip's device, inode, size and mtime, then per entry in order its sha256, CRC-32, sizes, method,
header offset and header length, and the names. A record whose zip no longer has that identity (replaced,
rewritten, copied elsewhere) is not used: the cache's zips are only ever replaced by rename, so a zip
with the identity it had is the zip the record describes (as for tree/digests.py).
"""

from __future__ import annotations

import mmap
import os
import struct
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from layerbuild.tree.digests import stat_identity

_FORMAT = b"layerbuild-zip-entries-1\n"
_HEAD = struct.Struct("<QQQQ6HHI")  # the zip's st_dev, st_ino, st_size, st_mtime_ns; date; compressor length; entries
_ENTRY = struct.Struct("<32sIQQHQHH")  # sha256, crc, compressed size, size, method, header offset/length, name length
SUFFIX = ".entries"


@dataclass(frozen=True)
class Entry:
    sha256: bytes
    crc: int
    compress_size: int
    file_size: int
    method: int
    header_offset: int
    header_length: int

    @property
    def end(self) -> int:
        return self.header_offset + self.header_length + self.compress_size


@dataclass(frozen=True)
class Written:
    """One entry as the writer wrote it (for the record)."""

    sha256: bytes
    info: zipfile.ZipInfo
    header_length: int


def record_path(zip_path: Path) -> Path:
    return zip_path.with_name(zip_path.name + SUFFIX)


def save(
    zip_path: Path, st: os.stat_result, compressor: str, date: tuple[int, ...], written: Sequence[Written]
) -> None:
    """Keep the record of the zip just written at `zip_path` (with its os.stat `st`); best effort."""
    from layerbuild.util.atomic import keep_cache_bytes

    name = compressor.encode()
    head = _HEAD.pack(*stat_identity(st), *date, len(name), len(written))
    parts = [_FORMAT, head, name]
    names = []
    for w in written:
        encoded = w.info.filename.encode("utf-8")
        names.append(encoded)
        i = w.info
        parts.append(
            _ENTRY.pack(
                w.sha256,
                i.CRC,
                i.compress_size,
                i.file_size,
                i.compress_type,
                i.header_offset,
                w.header_length,
                len(encoded),
            )
        )
    keep_cache_bytes(record_path(zip_path), b"".join(parts + names))


class EarlierZip:
    """An earlier zip of the cache, mapped, and its entries by name."""

    def __init__(self, fd: int, mapped: mmap.mmap, entries: dict[str, Entry]) -> None:
        self._fd = fd
        self.mapped = mapped
        self.entries = entries

    @classmethod
    def open(cls, zip_path: Path, compressor: str, date: tuple[int, ...]) -> EarlierZip | None:
        """The earlier zip at `zip_path`, when its record is there, is of the same compressor and date,
        and the zip has the identity recorded; else None."""
        try:
            body = record_path(zip_path).read_bytes()
        except OSError:
            return None
        try:
            parsed = _parse(body, compressor, date)
            if parsed is None:
                return None
            identity, entries = parsed
            fd = os.open(zip_path, os.O_RDONLY)
        except (OSError, ValueError, struct.error, UnicodeDecodeError):
            return None
        try:
            st = os.fstat(fd)
            if stat_identity(st) != identity or st.st_size == 0:
                raise OSError("not the zip recorded")
            last = max((e.end for e in entries.values()), default=0)
            if last > st.st_size:
                raise OSError("shorter than recorded")
            mapped = mmap.mmap(fd, 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError):
            os.close(fd)
            return None
        return cls(fd, mapped, entries)

    def find(self, name: str, sha256: bytes, crc: int, size: int) -> Entry | None:
        """The entry `name` when it holds this content (and needs no zip64 header), else None."""
        entry = self.entries.get(name)
        if entry is None or entry.sha256 != sha256 or entry.crc != crc or entry.file_size != size:
            return None
        if entry.file_size > zipfile.ZIP64_LIMIT or entry.compress_size > zipfile.ZIP64_LIMIT:
            return None
        return entry

    def close(self) -> None:
        self.mapped.close()
        os.close(self._fd)


def _parse(body: bytes, compressor: str, date: tuple[int, ...]) -> tuple[tuple[int, ...], dict[str, Entry]] | None:
    """A record's zip identity (device, inode, size, mtime) and entries, or None when it is of another
    compressor or date (or malformed)."""
    if not body.startswith(_FORMAT):
        return None
    at = len(_FORMAT)
    *_, name_length, count = head = _HEAD.unpack_from(body, at)
    at += _HEAD.size
    if tuple(head[4:10]) != tuple(date) or body[at : at + name_length] != compressor.encode():
        return None
    at += name_length
    end = at + count * _ENTRY.size
    records = list(_ENTRY.iter_unpack(body[at:end]))
    if len(body) != end + sum(r[-1] for r in records):
        return None
    entries: dict[str, Entry] = {}
    at = end
    for sha, crc, csize, size, method, offset, hlen, nlen in records:
        entries[body[at : at + nlen].decode("utf-8")] = Entry(sha, crc, csize, size, method, offset, hlen)
        at += nlen
    return tuple(head[:4]), entries


def best_of(
    candidates: Sequence[Path], compressor: str, date: tuple[int, ...], wanted: dict[str, tuple[bytes, int, int]]
) -> EarlierZip | None:
    """Of the earlier zips `candidates` (most recent first), the one that holds most of `wanted`
    (name -> sha256, crc, size); None when none holds any. One that holds all but a tenth is taken at once."""
    best: tuple[int, EarlierZip] | None = None
    for path in candidates:
        earlier = EarlierZip.open(path, compressor, date)
        if earlier is None:
            continue
        hits = sum(1 for name, facts in wanted.items() if earlier.find(name, *facts) is not None)
        if best is None or hits > best[0]:
            if best is not None:
                best[1].close()
            best = (hits, earlier)
        else:
            earlier.close()
        if hits * 10 >= len(wanted) * 9:
            break
    if best is None or best[0] == 0:
        if best is not None:
            best[1].close()
        return None
    return best[1]
