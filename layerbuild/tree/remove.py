"""Delete files from a tree and record each deletion (`model.removals.Removal`)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from layerbuild.model.removals import Removal


def remove_files(root: Path, paths: Iterable[str], rule: str, distribution: str) -> list[Removal]:
    """Delete `paths` (relative to `root`) and record each one; prunes folders left empty.

    Folders named in `paths` and paths that are gone are skipped. Use `TreeIndex.remove` in a build,
    which keeps its index in step."""
    removals = []
    parents = set()
    for rel in paths:
        path = root / rel
        try:
            size = path.lstat().st_size
        except FileNotFoundError:
            continue
        if path.is_dir() and not path.is_symlink():
            continue
        path.unlink()
        removals.append(Removal(rule, distribution, rel, size))
        parents.add(path.parent)
    for parent in sorted(parents, key=lambda p: len(p.parts), reverse=True):
        while parent != root and parent.is_relative_to(root):
            try:
                parent.rmdir()
            except OSError:
                break
            parent = parent.parent
    return removals
