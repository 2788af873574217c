"""Compressed streams remembered by content, so a file unchanged since an earlier build is not compressed again.

Key: the file's sha256 and the compressor's name (library, its version, level: zip/compressors.py). A
value is the raw deflate stream the writer copies into the zip with the file's CRC and sizes, so a zip
written from remembered streams is byte-identical to one compressed afresh. Streams live in memory for
one build (the compress-ahead of build/overlap.py fills them while other stages run) and, when the
cache has a folder, on disk under the layerbuild cache's `zip-streams/`: written by rename (complete or
absent), each prefixed by its own sha256 and dropped when that does not match. There is no eviction yet.
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

_FORMAT = b"layerbuild-zip-stream-1"


class StreamCache:
    def __init__(self, root: Path | None = None) -> None:
        self.root = root
        self._memory: dict[str, bytes] = {}
        self._lock = threading.Lock()

    @staticmethod
    def key(data_sha256: bytes, compressor: str) -> str:
        return hashlib.sha256(_FORMAT + b"\0" + compressor.encode() + b"\0" + data_sha256).hexdigest()

    def _path(self, key: str) -> Path | None:
        return None if self.root is None else self.root / key[:2] / key

    def get(self, key: str) -> bytes | None:
        with self._lock:
            found = self._memory.get(key)
        if found is not None:
            return found
        path = self._path(key)
        if path is None:
            return None
        try:
            body = path.read_bytes()
        except OSError:
            return None
        stream = body[32:]
        if hashlib.sha256(stream).digest() != body[:32]:
            path.unlink(missing_ok=True)  # a damaged entry: compress again
            return None
        return stream

    def has(self, key: str) -> bool:
        with self._lock:
            if key in self._memory:
                return True
        path = self._path(key)
        return path is not None and path.is_file()

    def put(self, key: str, stream: bytes, *, remember: bool = True) -> None:
        """Keep `stream` in memory (unless `remember` is false: the writer's own, used once) and on disk."""
        if remember:
            with self._lock:
                self._memory[key] = stream
        path = self._path(key)
        if path is None or path.exists():
            return
        tmp = path.with_name(f".{key}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(hashlib.sha256(stream).digest() + stream)
            os.replace(tmp, path)
        except OSError:  # a full or read-only cache only costs speed
            tmp.unlink(missing_ok=True)
