"""Keep each `*.dist-info/RECORD` true to the tree after slimming and compiling.

RECORD is how inventory.py, pip and `importlib.metadata.files()` know which files a distribution
owns, so rows of removed files go, rows of changed files (stripped libraries) get their new hash and
size, and files we add (.pyc) get rows like the ones pip writes. Rows keep their order; added rows
are sorted, so the same tree always gives the same RECORD bytes. `TreeIndex.update_records` holds
each RECORD's rows from its one read and applies the changes here.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import os
import stat
from collections.abc import Callable, Iterable
from pathlib import Path


def replace_text(path: Path, text: str) -> None:
    """Write `text` to a new file and rename it over `path`: never writes into the old inode, which
    may be a hard link into uv's cache (the wheels installer links, it does not copy)."""
    tmp = path.with_name(f".{path.name}.new")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


Digest = Callable[[str, os.stat_result], bytes]  # a path and its os.stat -> its sha256 (tree/digests.py)


def record_hash(path: Path, sha256: Digest | None = None, st: os.stat_result | None = None) -> tuple[str, str]:
    """(`sha256=<urlsafe b64>`, size) as RECORD writes them; `sha256`: a remembered digest of a path
    (tree/digests.py) instead of reading the file; `st`: its os.stat when the caller has it."""
    if sha256 is None:
        data = path.read_bytes()
        digest, size = hashlib.sha256(data).digest(), len(data)
    else:
        st = st if st is not None else os.stat(path)
        digest, size = sha256(str(path), st), st.st_size
    return f"sha256={base64.urlsafe_b64encode(digest).rstrip(b'=').decode()}", str(size)


def _hashed_row(tree: Path, path: str, sha256: Digest | None) -> list[str] | None:
    """A RECORD row for the regular file `path` (relative to `tree`), None when it is not one."""
    full = os.path.join(tree, path)
    try:
        st = os.stat(full)
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    return [path, *record_hash(Path(full), sha256, st)]


def parse_rows(text: str) -> list[list[str]]:
    """RECORD's rows, without empty ones."""
    return [row for row in csv.reader(io.StringIO(text)) if row and row[0]]


def rewrite_rows(
    tree: Path,
    rows: Iterable[list[str]],
    remove: set[str],
    refresh: set[str],
    add: Iterable[str],
    sha256: Digest | None = None,
) -> list[list[str]]:
    """`rows` without those of `remove`, with fresh hashes for `refresh`, and rows for `add` (sorted)."""
    out = []
    seen = set()
    for row in rows:
        path = row[0]
        if path in remove:
            continue
        if path in refresh:
            row = _hashed_row(tree, path, sha256) or row
        out.append(row)
        seen.add(path)
    for path in sorted(set(add) - seen):
        if (fresh := _hashed_row(tree, path, sha256)) is not None:
            out.append(fresh)
    return out


def write_record(path: Path, rows: list[list[str]]) -> None:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    replace_text(path, out.getvalue())
