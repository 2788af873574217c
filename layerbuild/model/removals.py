"""What a build removed from a layer, and why: every removal is recorded, never silent."""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from layerbuild.tree.distributions import Distribution


@dataclass(frozen=True)
class Removal:
    rule: str  # why: a slim rule's name, or "runtime-provided"
    distribution: str  # normalized name of the owning distribution, or "" when unowned
    path: str  # relative to the layer's python/ folder
    bytes: int


@dataclass(frozen=True)
class SlimResult:
    removals: tuple[Removal, ...] = ()

    @property
    def bytes(self) -> int:
        return sum(r.bytes for r in self.removals)

    def summary(self) -> list[dict]:
        """Rows for the report: one per (rule, package) with files and bytes."""
        rows: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
        for r in self.removals:
            row = rows[(r.rule, r.distribution)]
            row[0] += 1
            row[1] += r.bytes
        return [{"rule": rule, "package": pkg, "files": n, "bytes": b} for (rule, pkg), (n, b) in sorted(rows.items())]

    def by_rule(self) -> dict[str, int]:
        totals: dict[str, int] = defaultdict(int)
        for r in self.removals:
            totals[r.rule] += r.bytes
        return dict(sorted(totals.items(), key=lambda kv: -kv[1]))

    def __add__(self, other: SlimResult) -> SlimResult:
        return SlimResult(self.removals + other.removals)


def remove_files(root: Path, paths: list[str], rule: str, distribution: str) -> list[Removal]:
    """Delete `paths` (relative to `root`) and record each one; prunes folders left empty."""
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


def remove_distributions(root: Path, dists: list[Distribution], rule: str) -> SlimResult:
    """Remove whole distributions (their RECORD files and dist-info) from an installed tree."""
    removals: list[Removal] = []
    for dist in dists:
        files = [f for f in dist.files if not f.startswith("../")]
        info_dir = root / dist.dist_info
        if info_dir.is_dir():
            for dirpath, _, filenames in os.walk(info_dir):
                for name in filenames:
                    rel = (Path(dirpath) / name).relative_to(root).as_posix()
                    if rel not in files:
                        files.append(rel)
        removals += remove_files(root, files, rule, dist.name)
    return SlimResult(tuple(removals))
