"""What a build removed from a layer, and why: every removal is recorded, never silent.

Data only. The stages that remove files (runtime-provided packages, slim rules, `strip`, bytecode's
sourceless and foreign .pyc) do it through `layerbuild.tree.TreeIndex`, which records each one here.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass


@dataclass(frozen=True)
class Removal:
    rule: str  # why: a slim rule's name, "runtime-provided", "bytecode-only", "foreign-bytecode", …
    distribution: str  # normalized name of the owning distribution, or "" when unowned
    path: str  # relative to the layer's python/ folder
    bytes: int  # removed, or saved by rewriting the file (strip)


@dataclass(frozen=True)
class Removals:
    """The removals of one stage, or of a whole build (`a + b`), in the order they were made."""

    removals: tuple[Removal, ...] = ()

    @property
    def bytes(self) -> int:
        return sum(r.bytes for r in self.removals)

    def summary(self) -> list[dict[str, str | int]]:
        """Rows for the report: one per (rule, package) with files and bytes."""
        rows: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
        for r in self.removals:
            row = rows[(r.rule, r.distribution)]
            row[0] += 1
            row[1] += r.bytes
        return [{"rule": rule, "package": pkg, "files": n, "bytes": b} for (rule, pkg), (n, b) in sorted(rows.items())]

    def __add__(self, other: Removals) -> Removals:
        return Removals(self.removals + other.removals)
