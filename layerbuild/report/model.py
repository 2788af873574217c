"""The data a report shows: a layer's target, totals, packages, removals, cold-start cost and checks."""

from __future__ import annotations

from dataclasses import dataclass, field

from layerbuild.measure.coldstart import ColdStartEstimate, ImportMeasurement
from layerbuild.measure.inventory import Inventory
from layerbuild.model.removals import SlimResult
from layerbuild.model.target import Target


@dataclass(frozen=True)
class LayerReport:
    inventory: Inventory
    target: Target | None
    target_source: str = "flags"  # flags | zip name | wheel tags | a "+"-joined mix | unknown
    layer_path: str | None = None
    sha256: str | None = None
    removed: SlimResult = field(default_factory=SlimResult)
    bytecode_mode: str = "none"
    bytecode_python: str | None = None
    bytecode_detail: dict = field(default_factory=dict)  # pyc_files; reason etc. when auto kept to a budget
    import_ms: dict[str, float] = field(default_factory=dict)  # distribution name -> median ms
    findings: tuple[dict, ...] = ()
    extra: dict = field(default_factory=dict)  # fields other stages add (timings, cache hits)
    imports: ImportMeasurement | None = None  # None: nobody asked to measure
    estimates: tuple[ColdStartEstimate, ...] = ()  # modelled init time and price per memory × arch
    # What slimming removed, as summary rows, when only a build's report.json knows it (no paths).
    removed_rows: tuple[dict, ...] | None = None
    removed_known: bool = True  # False for a zip or folder whose build left no record of removals

    def removed_summary(self) -> list[dict]:
        """One row per (rule, package): files and bytes removed."""
        if self.removed_rows is not None:
            return [dict(r) for r in self.removed_rows]
        return self.removed.summary()

    def removed_by_rule(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for row in self.removed_summary():
            totals[row["rule"]] = totals.get(row["rule"], 0) + row["bytes"]
        return dict(sorted(totals.items(), key=lambda kv: -kv[1]))

    @property
    def import_note(self) -> str:
        if self.imports is not None:
            return self.imports.note
        if self.import_ms:
            return "measured"
        return "not measured: run `layerbuild report` (or `build --measure-imports`) to measure import times"
