"""What the import guard found in each source file, remembered by the file's content digest.

For a kept source the guard asks two things (guard.py): does one of its import statements name a
guard word (the folder and file names the slim rules would remove, so this depends on the words), and
which modules does it import (this depends only on its bytes and its path, which gives relative imports
their package). A rebuild after a one-package change has the same words and the same files but the new
package's, so it reads and parses only those: the digests come from tree/digests.py without reading.

One file under the cache folder's `slim/`, read once and written once by rename (`save`), this build's
entries first and older ones after, at most MAX_ENTRIES; keyed by the path in the layer, an entry holds
the file's digest (another content at that path is read again) and the words it was judged for.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

_FORMAT = "layerbuild-guard-1"
MAX_ENTRIES = 40_000


class GuardMemo:
    def __init__(self, digest_of: Callable[[str], bytes], path: Path | None = None) -> None:
        """`digest_of`: a path in the layer -> its content's sha256."""
        if path is None:
            from layerbuild.util.cachedir import cache_root

            path = cache_root() / "slim" / "guard.json"
        self.path = path
        self._digest_of = digest_of
        self._known: dict[str, Any] | None = None
        self._used: dict[str, Any] = {}
        self._words = ""
        self._new = False

    def _load(self) -> dict[str, Any]:
        if self._known is None:
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                ok = isinstance(data, dict) and data.get("format") == _FORMAT and isinstance(data.get("files"), dict)
                self._known = data["files"] if ok else {}
            except (OSError, ValueError):
                self._known = {}
        return self._known

    def words(self, words: list[str]) -> None:
        """The guard words of this build: an entry judged for other words answers only for its names."""
        self._words = hashlib.sha256("\0".join(words).encode()).hexdigest()[:32]

    def _digest(self, path: str) -> str | None:
        try:
            return self._digest_of(path).hex()
        except OSError:
            return None

    def get(self, path: str) -> tuple[bool, set[str] | None] | None:
        """(whether an import statement names a guard word, the modules it imports or None when never
        parsed) for the file as it is now, or None when it must be read."""
        entry = self._used.get(path) or self._load().get(path)
        if not isinstance(entry, list) or len(entry) != 4:
            return None
        digest, words, qualifies, names = entry
        if words != self._words or digest != self._digest(path):
            return None
        self._used[path] = entry
        return bool(qualifies), None if names is None else set(names)

    def put(self, path: str, qualifies: bool, names: set[str] | None) -> None:
        digest = self._digest(path)
        if digest is not None:
            self._used[path] = [digest, self._words, qualifies, None if names is None else sorted(names)]
            self._new = True

    def save(self) -> None:
        """Best effort: a memo that cannot be written only costs reading the files next time."""
        if not self._new:
            return
        from layerbuild.util.atomic import keep_cache_text

        files = dict(self._used)
        for key, value in self._load().items():
            if len(files) >= MAX_ENTRIES:
                break
            files.setdefault(key, value)
        keep_cache_text(self.path, json.dumps({"format": _FORMAT, "files": files}))
