"""Delete files from a tree and record each deletion (`model.removals.Removal`)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

from layerbuild.model.removals import Removal


def remove_files(root: Path, paths: Iterable[str], rule: str, distribution: str) -> list[Removal]:
    """Delete `paths` (relative to `root`) and record each one; prunes folders left empty.

    Folders named in `paths` and paths that are gone are skipped. Use `TreeIndex.remove` in a build,
    which keeps its index in step. Plain `os` calls on strings: slim removes thousands of files (one
    lstat and one unlink each; pathlib's objects and its three stats a file were most of the time)."""
    removals = []
    parents = set()
    base = os.fspath(root)
    for rel in paths:
        path = f"{base}/{rel}"
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            continue
        if stat.S_ISDIR(st.st_mode):
            continue
        os.unlink(path)
        removals.append(Removal(rule, distribution, rel, st.st_size))
        parents.add(rel.rpartition("/")[0])
    _prune_empty(root, parents)
    return removals


def move_files(
    root: Path, paths: Iterable[str], rule: str, distribution: str, dest: Path, whole: frozenset[str] = frozenset()
) -> list[Removal]:
    """Move `paths` (relative to `root`: one distribution's files) to the same places under `dest` and
    record each as removed from the tree. A top-level folder in `whole` (the caller knows it holds only
    these paths) moves by one rename: botocore's ~2,000 files in one call instead of a copy and an unlink
    each. `dest` must be on the tree's file system. Paths that are gone or folders are skipped; folders
    left empty are pruned."""
    wanted: dict[str, int] = {}
    for rel in paths:
        try:
            st = os.lstat(root / rel)
        except FileNotFoundError:
            continue
        if not stat.S_ISDIR(st.st_mode):
            wanted[rel] = st.st_size
    dest.mkdir(parents=True, exist_ok=True)
    for top in sorted(whole):
        os.rename(root / top, dest / top)
    parents = set()
    for rel in wanted:
        if rel.partition("/")[0] in whole:
            continue
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        os.rename(root / rel, dest / rel)
        parents.add(rel.rpartition("/")[0])
    _prune_empty(root, parents)
    return [Removal(rule, distribution, rel, size) for rel, size in wanted.items()]


def _prune_empty(root: Path, parents: set[str]) -> None:
    """Remove the folders `parents` (relative to `root`, "" for the root itself) and their parents while empty."""
    base = os.fspath(root)
    for parent in sorted(parents, key=lambda p: p.count("/"), reverse=True):
        while parent:
            try:
                os.rmdir(f"{base}/{parent}")
            except OSError:
                break
            parent = parent.rpartition("/")[0]
