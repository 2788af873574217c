"""The data a report shows: a layer's target, sizes, what the build removed, bytecode, cold-start cost,
checks, and what only a build knows (cache hit, container builds, the import check).

Data only: `layerbuild.report.assemble` and the build pipeline fill a LayerReport; `layerbuild.report.formats`
render it, and `report.formats.json.report_dict` is the one place it becomes the versioned JSON
(docs/report-schema.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from layerbuild.model.coldstart import ColdStartEstimate, ImportMeasurement
from layerbuild.model.handler_init import HandlerInit
from layerbuild.model.inventory import Inventory
from layerbuild.model.removals import Removal
from layerbuild.model.target import Target


@dataclass(frozen=True)
class RemovedRow:
    """What one rule removed from one package (the report's `removed[]` row; paths are not kept)."""

    rule: str
    package: str  # the owning distribution's normalized name, "" when none owned the files
    files: int
    bytes: int


def removed_rows(removals: Iterable[Removal]) -> tuple[RemovedRow, ...]:
    """One row per (rule, package), in that order, with the files and bytes removed."""
    totals: dict[tuple[str, str], tuple[int, int]] = {}
    for r in removals:
        files, size = totals.get((r.rule, r.distribution), (0, 0))
        totals[(r.rule, r.distribution)] = (files + 1, size + r.bytes)
    return tuple(RemovedRow(rule, pkg, n, b) for (rule, pkg), (n, b) in sorted(totals.items()))


@dataclass(frozen=True)
class BytecodeDetail:
    """What a build knows of its bytecode besides mode and Python."""

    pyc_files: int  # .pyc shipped
    # Set when `--bytecode auto` left modules without .pyc to keep the layer within the unzipped limit:
    reason: str | None = None
    sources_without_pyc: int = 0
    budget_bytes: int | None = None


@dataclass(frozen=True)
class ImportCheckSummary:
    """The build's import smoke test (`imports_verified` in the report)."""

    python: str | None  # the interpreter's version
    skipped: str | None  # why the check did not run (e.g. "--no-verify"), None when it ran
    modules: int  # top-level modules imported
    failures: tuple[str, ...] = ()  # one line per failing module, with its cause
    warnings: tuple[str, ...] = ()  # modules lacking only an optional dependency
    imported_after: tuple[tuple[str, str], ...] = ()  # (module, the module imported before it)
    skipped_modules: tuple[str, ...] = ()  # left out with --skip-import


@dataclass(frozen=True)
class BuildSummary:
    """What only the build that made the layer knows (absent from a report of any zip or folder)."""

    cached: bool  # the build cache served the layer
    built_in_container: tuple[str, ...] = ()  # packages built in the build container; the rest came as wheels
    imports_verified: ImportCheckSummary | None = None
    source: tuple[str, str] | None = None  # (path, kind) of the manifest built: resolve/inputs


@dataclass(frozen=True)
class ReportFinding:
    """One problem a check found, as the report lists it (`findings[]`; the audit fills them)."""

    rule: str  # rule id, e.g. LB201
    name: str  # rule name, e.g. runtime-provided
    severity: str
    message: str
    file: str | None = None
    line: int | None = None
    package: str | None = None
    fix: str = ""


@dataclass(frozen=True)
class LayerReport:
    inventory: Inventory
    target: Target | None
    target_source: str = "flags"  # flags | zip name | wheel tags | a "+"-joined mix | unknown
    layer_path: str | None = None
    sha256: str | None = None
    removed: tuple[RemovedRow, ...] = ()
    removed_known: bool = True  # False for a zip or folder whose build left no record of removals
    bytecode_mode: str = "none"  # none | alongside | only
    bytecode_python: str | None = None
    bytecode_detail: BytecodeDetail | None = None  # from a build only
    imports: ImportMeasurement | None = None  # None: nobody asked to measure
    estimates: tuple[ColdStartEstimate, ...] = ()  # modelled init time and price per memory × arch
    findings: tuple[ReportFinding, ...] = ()
    build: BuildSummary | None = None
    kind: str = "layer"  # "layer" (content under python/) or "function" (at the root): measure/layout.py
    handler_init: HandlerInit | None = None  # the handler's init, when `report --code --handler` named one

    @property
    def import_ms(self) -> dict[str, float]:
        """Distribution name -> median import time in ms, for those measured."""
        return self.imports.import_ms if self.imports is not None else {}

    @property
    def removed_bytes(self) -> int:
        return sum(r.bytes for r in self.removed)

    def removed_by_rule(self) -> dict[str, int]:
        """Bytes removed per rule, most first."""
        totals: dict[str, int] = {}
        for row in self.removed:
            totals[row.rule] = totals.get(row.rule, 0) + row.bytes
        return dict(sorted(totals.items(), key=lambda kv: -kv[1]))

    @property
    def import_note(self) -> str:
        if self.imports is not None:
            return self.imports.note
        return "not measured: run `layerbuild report` (or `build --measure-imports`) to measure import times"
