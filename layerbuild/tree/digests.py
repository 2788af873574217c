"""The sha256 and CRC-32 of a staging tree's files, remembered by file identity: an unchanged file is not
read again.

A staging tree is hard links into uv's cache (install/wheels.py) and into the .pyc cache, and no stage
writes into a file (they delete, or replace by rename: tests/integration/test_uv_cache_untouched.py).
So a file with the device, inode, size and modification time of one hashed before has its content, the
way git's index and Mercurial's dirstate judge a file unchanged by its stat. A rebuild that adds one
package then hashes only that package's files: the .pyc cache, the native check, the import check's
reuse and the zip's remembered streams key on these digests (the zip writer copies an unchanged file's
remembered stream with its remembered CRC, without opening the file).

An identity is trusted only when its modification time has a sub-second part: a tool that sets whole
seconds (tar, `cp -p` on some systems) could give a reused inode an old file's size and time, and such a
file is read.

On disk: the cache folder's `digests/files`, one fixed-size record per file, written by rename when the
build ends (`save`), this build's files kept first and older ones after, at most MAX_ENTRIES. Two
builds at once: the last one's file stays, and a file the other hashed is hashed again next time.
"""

from __future__ import annotations

import hashlib
import os
import struct
import threading
from pathlib import Path

from layerbuild.util.crc import crc32

_FORMAT = b"layerbuild-digests-2\n"
_RECORD = struct.Struct("<QQQQ32sI")  # st_dev, st_ino, st_size, st_mtime_ns, sha256, crc32
MAX_ENTRIES = 60_000  # ~4 MB; a medium layer is ~2,500 files, a big one ~30,000
CHUNK = 1 << 20

Identity = tuple[int, int, int, int]


def stat_identity(st: os.stat_result) -> Identity:
    """A file's device, inode, size and modification time (ns), from its os.stat."""
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def identity(st: os.stat_result) -> Identity | None:
    """What a digest is remembered under, or None when the time is whole seconds (see the module's note)."""
    ident = stat_identity(st)
    return ident if _trusted(ident) else None


def _trusted(ident: Identity) -> bool:
    return ident[3] % 1_000_000_000 != 0


Facts = tuple[bytes, int]  # sha256, crc32


def sha256_of(path: str) -> bytes:
    return _facts_of(path)[0]


def _facts_of(path: str) -> Facts:
    h = hashlib.sha256()
    crc = 0
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
            crc = crc32(chunk, crc)
    return h.digest(), crc


class FileDigests:
    """`sha256(path)` of files, remembered under `memo` (None: for this process only). Thread-safe."""

    def __init__(self, memo: Path | None = None) -> None:
        self.memo = memo
        self._known: dict[Identity, Facts] | None = None
        self._used: dict[Identity, Facts] = {}
        self._lock = threading.Lock()
        self.hashed = 0  # files read and hashed (a miss), for tests and the trace

    def _load(self) -> dict[Identity, Facts]:
        with self._lock:
            if self._known is None:
                known: dict[Identity, Facts] = {}
                try:
                    body = self.memo.read_bytes() if self.memo is not None else b""
                except OSError:
                    body = b""
                if body.startswith(_FORMAT):
                    body = body[len(_FORMAT) :]
                    usable = len(body) - len(body) % _RECORD.size
                    for dev, ino, size, mtime, digest, crc in _RECORD.iter_unpack(body[:usable]):
                        known[(dev, ino, size, mtime)] = (digest, crc)
                self._known = known
            return self._known

    def known(self, st: os.stat_result) -> Facts | None:
        """(sha256, crc32) of the file with this os.stat when it was hashed before, without reading it."""
        ident = identity(st)
        return None if ident is None else self._remembered(ident)

    def recall(self, ident: Identity | None) -> Facts | None:
        """`known` for an identity the caller kept (a walk's: tree/walk.TreeFile.walked), without a stat:
        the file may have changed since, so only for a guess that costs speed when wrong, never content."""
        return self._remembered(ident) if ident is not None and _trusted(ident) else None

    def _remembered(self, ident: Identity) -> Facts | None:
        found = self._used.get(ident) or self._load().get(ident)
        if found is not None:
            self._used[ident] = found  # kept first by the next save
        return found

    def facts(self, path: str, st: os.stat_result | None = None, data: bytes | None = None) -> Facts:
        """(sha256, crc32) of the file. `st`: its os.stat (fstat) when the caller has it; `data`: its
        bytes when the caller read them (with that fstat), hashed on a miss instead of reading again."""
        ident = identity(st if st is not None else os.stat(path))
        if ident is not None and (found := self._remembered(ident)) is not None:
            return found
        found = (hashlib.sha256(data).digest(), crc32(data)) if data is not None else _facts_of(path)
        self.hashed += 1
        if ident is not None:
            self._used[ident] = found
        return found

    def sha256(self, path: str, st: os.stat_result | None = None, data: bytes | None = None) -> bytes:
        """The file's sha256 (32 bytes); see `facts`."""
        return self.facts(path, st, data)[0]

    def save(self) -> None:
        """Write the memo by rename: this build's files, then older ones up to MAX_ENTRIES. Best effort."""
        if self.memo is None or not self._used:
            return
        known = self._load()
        keep = dict(self._used)
        for ident, facts in known.items():
            if len(keep) >= MAX_ENTRIES:
                break
            keep.setdefault(ident, facts)
        body = b"".join(_RECORD.pack(*ident, *facts) for ident, facts in keep.items())
        from layerbuild.util.atomic import keep_cache_bytes

        keep_cache_bytes(self.memo, _FORMAT + body)
