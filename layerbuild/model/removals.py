"""What a build removed from a layer, and why: every removal is recorded, never silent.

Data only. The stages that remove files (runtime-provided packages, slim rules, `strip`, bytecode's
sourceless and foreign .pyc) do it through `layerbuild.tree.TreeIndex`, which records each one here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Removal:
    rule: str  # why: a slim rule's name, "runtime-provided", "bytecode-only", "foreign-bytecode", …
    distribution: str  # normalized name of the owning distribution, or "" when unowned
    path: str  # relative to the layer's python/ folder
    bytes: int  # removed, or saved by rewriting the file (strip)


@dataclass(frozen=True)
class Removals:
    """The removals of one stage, in the order they were made (the report's rows: model.report.removed_rows)."""

    removals: tuple[Removal, ...] = ()

    @property
    def bytes(self) -> int:
        return sum(r.bytes for r in self.removals)
