"""Keep the cache's `zip-streams/` within a size, and remove the packs killed builds left.

Each cold build appends its new streams to one pack (the medium set's is 33 MB), so without a bound the
folder grows by a layer's zipped size per new lock. After a build writes its index (StreamCache.flush),
`evict` removes:
- packs without an index whose build is gone (its pid is not running, or the pack is over an hour
  old): a killed build's, never read (a pack without an index is never read);
- then, while the packs with an index hold more than the limit, the least recently used pair: an
  index's mtime is set when it is written and again by every build that copied a stream from its pack,
  so a pack every rebuild reads stays. The packs of the current build are never removed.
A build reading a pack that another removes meanwhile keeps its open descriptor or, failing to open
it, compresses that file again: the zip's bytes are the same either way.

The limit: `LAYERBUILD_ZIP_STREAMS_MB` (megabytes, default 2048, about 60 cold builds of the medium set;
0 keeps nothing between builds).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

DEFAULT_LIMIT_MB = 2048
LIMIT_ENV = "LAYERBUILD_ZIP_STREAMS_MB"
ORPHAN_SECONDS = 3600  # a pack with no index this old is a killed build's, whatever its pid


def limit_bytes() -> int:
    """The size `zip-streams/` is kept within; a malformed value falls back to the default."""
    raw = os.environ.get(LIMIT_ENV, "").strip()
    try:
        mb = int(raw) if raw else DEFAULT_LIMIT_MB
    except ValueError:
        mb = DEFAULT_LIMIT_MB
    return max(mb, 0) << 20


def evict(root: Path, keep: set[str], limit: int | None = None) -> list[str]:
    """Remove orphan packs, then least recently used pack/index pairs beyond `limit` bytes (default:
    `limit_bytes()`), never a pack named in `keep`. Returns the names of the packs removed."""
    from layerbuild.util.cachedir import pid_alive

    limit = limit_bytes() if limit is None else limit
    try:
        names = os.listdir(root)
    except OSError:
        return []
    now = time.time()
    indexed: list[tuple[float, int, str]] = []  # (index mtime, pack bytes, pack name)
    removed: list[str] = []
    files = set(names)
    for name in names:
        if not name.endswith(".pack") or name in keep:
            continue
        pack, idx = root / name, root / (name[: -len(".pack")] + ".idx")
        try:
            st = pack.stat()
        except OSError:
            continue
        if idx.name in files:
            try:
                indexed.append((idx.stat().st_mtime, st.st_size, name))
            except OSError:
                continue
            continue
        try:
            pid = int(name.split("-")[1])
        except (IndexError, ValueError):
            pid = -1
        if now - st.st_mtime > ORPHAN_SECONDS or not (pid > 0 and pid_alive(pid)):
            pack.unlink(missing_ok=True)
            removed.append(name)
    held = sum(size for _, size, _ in indexed) + sum(_size(root / k) for k in keep)
    for _, size, name in sorted(indexed):
        if held <= limit:
            break
        (root / (name[: -len(".pack")] + ".idx")).unlink(missing_ok=True)  # the index first: never a dangling one
        (root / name).unlink(missing_ok=True)
        held -= size
        removed.append(name)
    return removed


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
