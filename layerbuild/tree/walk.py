"""The walk of a tree: every regular file under a folder, sorted by its path in the layer.

Links leading out of the tree are left out (a layer never packages a file from outside it) and linked
folders are never entered (no loops). One os.scandir walk: a layer has thousands of files. A build walks
its staging tree once (`TreeIndex.of`); the zip, slimming, bytecode and the native check read that index.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from layerbuild.tree import counts
from layerbuild.tree.digests import stat_identity


@dataclass(frozen=True)
class TreeFile:
    arcname: str  # relative to the tree's root, posix
    path: str
    mode: int  # st_mode of the file (of its target, for a link inside the tree)
    link: bool = False  # a symbolic link (to a file inside the tree)
    size: int = -1  # bytes when walked (or added): a stage that rewrites a file does not update it
    # (st_dev, st_ino, st_size, st_mtime_ns) when walked (or added), the same caveat: what a guess may go
    # by (compress-ahead skips a file whose stream is remembered), never what a zip is made of
    walked: tuple[int, int, int, int] | None = None


@dataclass(frozen=True)
class Walk:
    files: tuple[TreeFile, ...]  # sorted by arcname
    links_out: tuple[str, ...]  # arcnames of links leading out of the tree (left out of `files`)
    top_names: tuple[str, ...]  # every entry of the root folder, sorted (files, folders, links)


def walk(root: Path, skip_top: tuple[str, ...] = ()) -> Walk:
    """Walk `root`; top-level folders whose names end in `skip_top` are not entered."""
    counts.walks[str(root)] += 1
    real_root = os.path.realpath(root)
    found: list[TreeFile] = []
    links_out: list[str] = []
    top: list[str] = []
    stack = [(str(root), "")]
    while stack:
        folder, rel = stack.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                name = f"{rel}{entry.name}"
                if rel == "":
                    top.append(entry.name)
                link = entry.is_symlink()
                if link:
                    target = os.path.realpath(entry.path)
                    if os.path.commonpath([real_root, target]) != real_root:
                        links_out.append(name)
                        continue
                if entry.is_dir(follow_symlinks=False):
                    if not (rel == "" and skip_top and entry.name.endswith(skip_top)):
                        stack.append((entry.path, name + "/"))
                elif entry.is_file() and not (link and entry.is_dir()):
                    st = entry.stat()
                    found.append(TreeFile(name, entry.path, st.st_mode, link, st.st_size, stat_identity(st)))
    found.sort(key=lambda f: f.arcname)
    return Walk(tuple(found), tuple(sorted(links_out)), tuple(sorted(top)))


def tree_files(root: Path, skip_top: tuple[str, ...] = ()) -> list[TreeFile]:
    """Every regular file under `root`, sorted (see `walk`)."""
    return list(walk(root, skip_top).files)
