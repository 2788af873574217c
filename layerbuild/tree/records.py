"""Keep each `*.dist-info/RECORD` true to the tree after slimming and compiling.

RECORD is how inventory.py, pip and `importlib.metadata.files()` know which files a distribution
owns, so rows of removed files go, rows of changed files (stripped libraries) get their new hash and
size, and files we add (.pyc) get rows like the ones pip writes. Rows keep their order; added rows
are sorted, so the same tree always gives the same RECORD bytes.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import os
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from layerbuild.tree.distributions import Distribution


def replace_text(path: Path, text: str) -> None:
    """Write `text` to a new file and rename it over `path`: never writes into the old inode, which
    may be a hard link into uv's cache (the wheels installer links, it does not copy)."""
    tmp = path.with_name(f".{path.name}.new")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def record_hash(path: Path) -> tuple[str, str]:
    """(`sha256=<urlsafe b64>`, size) as RECORD writes them."""
    data = path.read_bytes()
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"sha256={digest}", str(len(data))


def _rewrite(tree: Path, dist: Distribution, remove: set[str], refresh: set[str], add: list[str]) -> None:
    record = tree / dist.dist_info / "RECORD"
    try:
        text = record.read_text(encoding="utf-8")
    except (FileNotFoundError, UnicodeDecodeError):
        return  # no RECORD (or not ours to parse): nothing to keep in step
    rows = []
    seen = set()
    for row in csv.reader(io.StringIO(text)):
        if not row or not row[0]:
            continue
        path = row[0]
        if path in remove:
            continue
        if path in refresh and (tree / path).is_file():
            row = [path, *record_hash(tree / path)]
        rows.append(row)
        seen.add(path)
    for path in sorted(set(add) - seen):
        if (tree / path).is_file():
            rows.append([path, *record_hash(tree / path)])
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    replace_text(record, out.getvalue())


def update_records(
    tree: Path,
    dists: Iterable[Distribution],
    *,
    removed: Iterable[tuple[str, str]] = (),
    changed: Iterable[tuple[str, str]] = (),
    added: Iterable[tuple[str, str]] = (),
) -> None:
    """Apply (distribution name, path) changes to the RECORDs of `dists` in `tree`.

    Paths are relative to the tree (posix). Changes for names without a distribution (unowned files)
    are ignored: there is no RECORD to keep.
    """
    by_name = {d.name: d for d in dists}
    plan: dict[str, tuple[set[str], set[str], list[str]]] = defaultdict(lambda: (set(), set(), []))
    for name, path in removed:
        plan[name][0].add(path)
    for name, path in changed:
        plan[name][1].add(path)
    for name, path in added:
        plan[name][2].append(path)
    for name, (remove, refresh, add) in sorted(plan.items()):
        dist = by_name.get(name)
        if dist is not None:
            _rewrite(tree, dist, remove, refresh, add)


def drop_missing_rows(tree: Path) -> None:
    """Remove RECORD rows of files an earlier stage deleted without saying so (an installer's `bin/`
    scripts, say), so `importlib.metadata.files()` and inventories only list what the layer holds."""
    from layerbuild.tree.distributions import distributions_in_dir

    for dist in distributions_in_dir(tree):
        gone = {
            f
            for f in dist.files
            if not f.startswith("../") and f != f"{dist.dist_info}/RECORD" and not (tree / f).exists()
        }
        if gone:
            _rewrite(tree, dist, gone, set(), [])
