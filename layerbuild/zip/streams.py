"""Compressed streams remembered by content, so a file unchanged since an earlier build is not compressed again.

Key: the file's sha256 and CRC-32 (of the bytes read, or remembered by file identity: tree/digests.py)
and the compressor's name (library, its version, level: zip/compressors.py). A
value is the raw deflate stream the writer copies into the zip with the file's CRC and sizes, so a zip
written from remembered streams is byte-identical to one compressed afresh. Streams live in memory for
one build (the compress-ahead of build/overlap.py fills them while other stages run) and, when the
cache has a folder, on disk under the layerbuild cache's `zip-streams/`.

On disk, one build's new streams go to one pack file, appended as they come (one file per stream cost
1-2 ms each here, 2-4 s for the medium set's 1,943 streams; a pack costs a few ms), and its index is
written by rename when the zip is done (`flush`): a pack without an index is never read. An index
record holds the stream's CRC-32, checked on every read, so a damaged pack is compressed around. The
folder is kept within a size, least recently used packs first (stream_eviction.py).
"""

from __future__ import annotations

import hashlib
import mmap
import os
import struct
import threading
import time
from pathlib import Path

from layerbuild.util.crc import crc32

_FORMAT = b"layerbuild-zip-stream-2"
_RECORD = struct.Struct("<32sQII")  # key, offset in the pack, length, crc32 of the stream


class StreamCache:
    def __init__(self, root: Path | None = None) -> None:
        self.root = root
        self._memory: dict[str, bytes] = {}
        self._lock = threading.Lock()
        self._index: dict[bytes, tuple[str, int, int, int]] | None = None  # key -> (pack, offset, length, crc)
        self._fds: dict[str, int] = {}
        self._maps: dict[str, mmap.mmap | None] = {}  # packs read from, mapped
        self._pack: tuple[str, int] | None = None  # this build's pack being appended to: (name, fd)
        self._pending: list[bytes] = []  # its index records
        self._working: dict[str, threading.Event] = {}  # keys a thread is compressing (claim)
        self._used: set[str] = set()  # packs this build read from or wrote: kept by eviction, their index touched

    @staticmethod
    def key(data_sha256: bytes, crc: int, compressor: str) -> str:
        parts = (_FORMAT, compressor.encode(), data_sha256, crc.to_bytes(4, "little"))
        return hashlib.sha256(b"\0".join(parts)).hexdigest()

    def _known(self) -> dict[bytes, tuple[str, int, int, int]]:
        """Every flushed pack's index, read once (under the lock)."""
        if self._index is None:
            self._index = {}
            if self.root is not None and self.root.is_dir():
                for idx in sorted(self.root.glob("*.idx")):
                    try:
                        body = idx.read_bytes()
                    except OSError:
                        continue
                    pack = idx.with_suffix(".pack").name
                    usable = len(body) - len(body) % _RECORD.size
                    for key, offset, length, crc in _RECORD.iter_unpack(body[:usable]):
                        self._index.setdefault(key, (pack, offset, length, crc))
        return self._index

    def _fd(self, pack: str) -> int:
        fd = self._fds.get(pack)
        if fd is None:
            assert self.root is not None
            fd = self._fds[pack] = os.open(self.root / pack, os.O_RDONLY)
        return fd

    def _map(self, pack: str, fd: int) -> mmap.mmap | None:
        """The pack mapped (read-only), or None when it cannot be (empty, or no mmap here)."""
        if pack not in self._maps:
            try:
                self._maps[pack] = mmap.mmap(fd, 0, access=mmap.ACCESS_READ)
            except (OSError, ValueError):
                self._maps[pack] = None
        return self._maps[pack]

    def get(self, key: str) -> bytes | None:
        with self._lock:
            found = self._memory.get(key)
            if found is not None or self.root is None:
                return found
            where = self._known().get(bytes.fromhex(key))
            if where is None:
                return None
            pack, offset, length, crc = where
            try:
                fd = self._fd(pack)
            except OSError:
                return None
            self._used.add(pack)
            mapped = self._map(pack, fd)
        try:
            # From the mapped pack: a copy under the GIL, where a pread lets it go, and the writer,
            # one thread among the checks', then waits a switch interval to have it back.
            if mapped is not None and offset + length <= len(mapped):
                stream = mapped[offset : offset + length]
            else:
                stream = os.pread(fd, length, offset)
        except (OSError, ValueError):
            return None
        return stream if len(stream) == length and crc32(stream) == crc else None  # damaged: compress again

    def knows(self, key: str) -> bool:
        """Whether `key`'s stream is here (in memory or a flushed pack), without reading it."""
        with self._lock:
            return key in self._memory or (self.root is not None and bytes.fromhex(key) in self._known())

    def claim(self, key: str) -> bool:
        """True when the caller is now the one compressing `key` (then it must `release` it, after its
        `put`); False when the stream is known or another thread is compressing it (`wait_for`)."""
        with self._lock:
            if key in self._working or key in self._memory:
                return False
            if self.root is not None and bytes.fromhex(key) in self._known():
                return False
            self._working[key] = threading.Event()
            return True

    def release(self, key: str) -> None:
        with self._lock:
            done = self._working.pop(key, None)
        if done is not None:
            done.set()

    def wait_for(self, key: str, timeout: float | None = None) -> bytes | None:
        """The stream of `key`, once a thread that claimed it is done (for at most `timeout` seconds);
        None when nobody has it, or it is not done in time (the caller compresses it: same bytes)."""
        with self._lock:
            working = self._working.get(key)
        if working is not None:
            working.wait(timeout)
        return self.get(key)

    def put(self, key: str, stream: bytes, *, remember: bool = True) -> None:
        """Keep `stream` in memory (unless `remember` is false: the writer's own, used once) and in this
        build's pack (kept on disk by `flush`)."""
        with self._lock:
            if remember:
                self._memory[key] = stream
            raw = bytes.fromhex(key)
            if self.root is None or raw in self._known():
                return
            try:
                if self._pack is None:
                    self.root.mkdir(parents=True, exist_ok=True)
                    name = f"{time.time_ns()}-{os.getpid()}-{threading.get_ident()}.pack"
                    fd = os.open(self.root / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
                    self._pack = (name, fd)
                    self._used.add(name)
                name, fd = self._pack
                offset = os.lseek(fd, 0, os.SEEK_END)
                view = memoryview(stream)
                while view:
                    view = view[os.write(fd, view) :]
            except OSError:  # a full or read-only cache only costs speed
                return
            check = crc32(stream)
            self._pending.append(_RECORD.pack(raw, offset, len(stream), check))
            self._known()[raw] = (name, offset, len(stream), check)

    def flush(self) -> None:
        """Keep this build's new streams: write the pack's index (by rename); later puts start a new pack.
        Also closes the packs opened for reading (they open again when needed)."""
        with self._lock:
            for mapped in self._maps.values():
                if mapped is not None:
                    mapped.close()
            self._maps.clear()
            for read_fd in self._fds.values():
                os.close(read_fd)
            self._fds.clear()
            if self.root is None:
                return
            if self._pack is not None:
                name, fd = self._pack
                self._pack = None
                records, self._pending = b"".join(self._pending), []
                idx = self.root / (name[: -len(".pack")] + ".idx")
                tmp = idx.with_name(f".{idx.name}.tmp")
                try:
                    os.close(fd)
                    tmp.write_bytes(records)
                    os.replace(tmp, idx)
                except OSError:
                    tmp.unlink(missing_ok=True)
            if not self._used:
                return
            for pack in self._used:  # used now: the least recently used packs are evicted first
                try:
                    os.utime(self.root / (pack[: -len(".pack")] + ".idx"))
                except OSError:
                    pass
            from layerbuild.zip.stream_eviction import evict

            evict(self.root, keep=set(self._used))
