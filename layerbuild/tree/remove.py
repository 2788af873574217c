"""Delete files from a tree and record each deletion (`model.removals.Removal`)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

from layerbuild.model.removals import Removal


def remove_files(
    root: Path, paths: Iterable[str], rule: str, distribution: str, aside: dict[str, int] | None = None
) -> list[Removal]:
    """Delete `paths` (relative to `root`) and record each one; prunes folders left empty.

    Folders named in `paths` and paths that are gone are skipped. Use `TreeIndex.remove` in a build,
    which keeps its index in step. Plain `os` calls on strings: slim removes thousands of files (one
    lstat and one unlink each; pathlib's objects and its three stats a file were most of the time).
    `aside`: paths already moved out of the tree with their folder (`set_aside`), with their sizes."""
    removals = []
    parents = set()
    base = os.fspath(root)
    for rel in paths:
        if aside and (size := aside.get(rel)) is not None:
            removals.append(Removal(rule, distribution, rel, size))
            continue
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


def whole_folders(removing: set[str], present: Iterable[str]) -> list[str]:
    """The outermost folders (never the root) whose every file in `present` is in `removing`, sorted."""
    full: set[str] = set()
    kept: set[str] = set()
    for path in present:
        into = full if path in removing else kept
        folder = path.rpartition("/")[0]
        while folder and folder not in into:
            into.add(folder)
            folder = folder.rpartition("/")[0]
    whole = full - kept
    return sorted(f for f in whole if not any(a in whole for a in _ancestors(f)))


def _ancestors(path: str) -> Iterator[str]:
    folder = path.rpartition("/")[0]
    while folder:
        yield folder
        folder = folder.rpartition("/")[0]


def set_aside(root: Path, folders: list[str], removing: dict[str, int], into: Path) -> dict[str, int]:
    """Move `folders` (relative to `root`, holding only files being removed) out of the tree, one rename
    each, to be deleted beside the stages that follow (util/trash.py); returns the files of `removing`
    (path: its size, as the tree's walk found it) that went with them. The pandas tests are ~1,500 files
    in ~200 folders: an unlink a file and an rmdir a folder took 0.1 s of the build's critical path."""
    from layerbuild.util.trash import move_aside

    base = os.fspath(root)
    movable = [f for f in folders if not os.path.islink(f"{base}/{f}") and os.path.isdir(f"{base}/{f}")]
    done = set(move_aside([Path(base, f) for f in movable], into))
    moved = {f for f in movable if Path(base, f) in done}
    _prune_empty(root, {f.rpartition("/")[0] for f in moved})
    return {rel: size for rel, size in removing.items() if any(a in moved for a in _ancestors(rel))}
