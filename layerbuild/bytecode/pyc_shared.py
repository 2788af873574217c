"""The .pyc cache shared by CI runners (`--cache-url`): one S3 object per top-level package, not per file.

A layer has thousands of sources (numpy+pandas: ~2,300); one request per .pyc made filling the store
cost more than compiling. So the local entries (pyc_cache.py, keyed by source bytes, path, layout and
interpreter) are grouped by the first part of their path (`numpy/…`, `six.py`): a group's key is the
hash of its entries' keys, its object a stored zip whose members are named by those keys. A group
whose sources all match is one GET; one changed file makes its group a miss (its other files still come
from the local cache). A group is sent when this build compiled some of it, with every .pyc it has.
"""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from layerbuild.aws.shared_cache import SharedStore

Group = dict[str, Path]  # source -> its local entry


def groups_of(entries: dict[str, Path | None]) -> dict[str, Group]:
    """Entries by group key (see module doc); sources that cannot be read are left out."""
    by_top: dict[str, Group] = defaultdict(dict)
    for src, entry in entries.items():
        if entry is not None:
            by_top[src.split("/", 1)[0]][src] = entry
    out = {}
    for group in by_top.values():
        key = hashlib.sha256("\0".join(sorted(e.name for e in group.values())).encode()).hexdigest()
        out[key] = group
    return out


def fetch(shared: SharedStore, groups: dict[str, Group]) -> None:
    """Write the local entries of every group (with a missing entry) the store has."""
    wanted = [key for key, group in groups.items() if any(not e.is_file() for e in group.values())]
    for key, body in shared.get_small("pyc", wanted).items():
        names = {e.name: e for e in groups[key].values()}
        try:
            with zipfile.ZipFile(io.BytesIO(body)) as zf:
                for name in zf.namelist():
                    entry = names.get(name)
                    if entry is not None and not entry.is_file():
                        _write(entry, zf.read(name))
        except (zipfile.BadZipFile, OSError):
            continue  # a group we cannot read is a miss


def send(
    shared: SharedStore, tree: Path, groups: dict[str, Group], compiled: list[str], pyc_of: Callable[[str], str]
) -> None:
    """Send every group this build compiled part of, with all the .pyc of it the tree has."""
    done = set(compiled)
    bodies = {}
    for key, group in groups.items():
        if not done.intersection(group):
            continue
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
            for src, entry in sorted(group.items()):
                pyc = tree / pyc_of(src)
                if pyc.is_file():
                    zf.writestr(entry.name, pyc.read_bytes())
        bodies[key] = buf.getvalue()
    shared.put_small("pyc", bodies)


def _write(entry: Path, data: bytes) -> None:
    entry.parent.mkdir(parents=True, exist_ok=True)
    tmp = entry.with_name(f".{entry.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, entry)
