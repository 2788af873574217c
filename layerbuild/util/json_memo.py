"""A bounded memo in one JSON file of the cache folder: read once, written once by rename.

What a build learns of its files (slim/guard_memo.py, measure/elf.BinaryMemo) is kept as one file, not
one per entry (hundreds of small reads cost more than the work they save). `save` writes the entries
this process used or made first, then older ones up to `limit`; a file of another format is ignored.
Best effort: a memo that cannot be read or written only costs doing the work again. Two processes at
once: the last one's file stays.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


class JsonMemo:
    def __init__(self, path: Path, format_tag: Any, limit: int) -> None:
        self.path = path
        self.format = format_tag
        self.limit = limit
        self._known: dict[str, Any] | None = None
        self._used: dict[str, Any] = {}
        self._new = False

    def _load(self) -> dict[str, Any]:
        if self._known is None:
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                files = data.get("files") if isinstance(data, dict) and data.get("format") == self.format else None
                self._known = files if isinstance(files, dict) else {}
            except (OSError, ValueError):
                self._known = {}
        return self._known

    def lookup(self, key: str) -> Any:
        """The value under `key` (kept for the next save), or None."""
        found = self._used.get(key)
        if found is None:
            found = self._load().get(key)
            if found is not None:
                self._used[key] = found
        return found

    def store(self, key: str, value: Any) -> None:
        self._used[key] = value
        self._new = True

    def save(self) -> None:
        if not self._new:
            return
        from layerbuild.util.atomic import keep_cache_text

        files = dict(self._used)
        for key, value in self._load().items():
            if len(files) >= self.limit:
                break
            files.setdefault(key, value)
        keep_cache_text(self.path, json.dumps({"format": self.format, "files": files}))
