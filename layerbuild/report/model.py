"""The data a report shows: a layer's target, totals, packages, removals and checks."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..inventory import Inventory
from ..removal import SlimResult
from ..targets import Target


@dataclass(frozen=True)
class LayerReport:
    inventory: Inventory
    target: Target | None
    target_source: str = "flags"  # flags | zip name | wheel tags | unknown
    layer_path: str | None = None
    sha256: str | None = None
    removed: SlimResult = field(default_factory=SlimResult)
    bytecode_mode: str = "none"
    bytecode_python: str | None = None
    import_ms: dict[str, float] = field(default_factory=dict)  # distribution name -> median ms
    findings: tuple[dict, ...] = ()
    extra: dict = field(default_factory=dict)  # fields other stages add (cold-start model, timings)
