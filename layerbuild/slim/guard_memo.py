"""What the import guard found in each source file, remembered by the file's content digest.

For a kept source the guard asks two things (guard.py): does one of its import statements name a
guard word (the folder and file names the slim rules would remove, so this depends on the words), and
which modules does it import (this depends only on its bytes and its path, which gives relative imports
their package). A rebuild after a one-package change has the same words and the same files but the new
package's, so it reads and parses only those: the digests come from tree/digests.py without reading.

One file under the cache folder's `slim/` (util/json_memo.py), this build's entries first, at most
MAX_ENTRIES; keyed by the path in the layer, an entry holds
the file's digest (another content at that path is read again) and the words it was judged for.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

_FORMAT = "layerbuild-guard-1"
MAX_ENTRIES = 40_000


class GuardMemo:
    def __init__(self, digest_of: Callable[[str], bytes], path: Path | None = None) -> None:
        """`digest_of`: a path in the layer -> its content's sha256."""
        from layerbuild.util.json_memo import JsonMemo

        if path is None:
            from layerbuild.util.cachedir import cache_root

            path = cache_root() / "slim" / "guard.json"
        self.path = path
        self._digest_of = digest_of
        self._memo = JsonMemo(path, _FORMAT, MAX_ENTRIES)
        self._words = ""

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
        entry = self._memo.lookup(path)
        if not isinstance(entry, list) or len(entry) != 4:
            return None
        digest, words, qualifies, names = entry
        if words != self._words or digest != self._digest(path):
            return None
        return bool(qualifies), None if names is None else set(names)

    def put(self, path: str, qualifies: bool, names: set[str] | None) -> None:
        digest = self._digest(path)
        if digest is not None:
            self._memo.store(path, [digest, self._words, qualifies, None if names is None else sorted(names)])

    def save(self) -> None:
        self._memo.save()
