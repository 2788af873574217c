"""Assemble a LayerReport for any layer zip, function zip or folder (built by us or not).

Sizes come from measure/inventory.py, the target from measure/target_detect.py, import times from
measure/coldstart.py and the modelled cost from measure/cost_model.py. When the zip has the report.json
our build wrote beside it (same sha256; sidecar.py), what slimming removed and the bytecode mode are taken
from there: the zip alone cannot say what is no longer in it.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path, PurePosixPath

from layerbuild.measure.coldstart import DEFAULT_RUNS, measure_imports
from layerbuild.measure.cost_model import DEFAULT_MEMORY_MB, estimate
from layerbuild.measure.inventory import inventory_of
from layerbuild.measure.layout import package_kind
from layerbuild.measure.target_detect import detect_target
from layerbuild.model.coldstart import not_measured
from layerbuild.model.inventory import Inventory
from layerbuild.model.report import LayerReport
from layerbuild.report.sidecar import read_build_report, removed_rows_of

_PYC_TAG = re.compile(r"\.cpython-3(\d+)(?:\.opt-\d)?\.pyc$")


def detect_bytecode(inventory: Inventory) -> tuple[str, str | None]:
    """(mode, python minor version) from the .pyc files a layer ships: none | alongside | only."""
    paths = [f.path for f in inventory.files]
    pycs = [p for p in paths if p.endswith(".pyc")]
    sources = {p for p in paths if p.endswith(".py")}
    # A few stray .pyc (some wheels ship a __pycache__) do not make a bytecode layer.
    if not pycs or len(pycs) < len(sources) / 2:
        return "none", None
    versions = [m.group(1) for p in pycs if (m := _PYC_TAG.search(p))]
    python = f"3.{max(set(versions), key=versions.count)}" if versions else None
    bare = [
        p for p in pycs if "/__pycache__/" not in f"/{p}" and str(PurePosixPath(p).with_suffix(".py")) not in sources
    ]
    return ("only" if len(bare) >= len(pycs) / 2 else "alongside"), python


def with_cold_start(
    report: LayerReport,
    path: Path,
    *,
    memory_mb: tuple[int, ...] = DEFAULT_MEMORY_MB,
    runs: int = DEFAULT_RUNS,
    measure: bool = True,
) -> LayerReport:
    """The report with measured import times and the modelled cost per memory size added."""
    if measure:
        imports = measure_imports(path, report.inventory, report.target, runs=runs)
    else:
        imports = not_measured("skipped (--no-measure)")
    estimates = estimate(imports.layer_import_ms, memory_mb) if imports.layer_import_ms else ()
    return replace(report, imports=imports, estimates=estimates)


def report_for_path(
    path: str | Path,
    *,
    runtime: str | None = None,
    arch: str | None = None,
    measure: bool = True,
    memory_mb: tuple[int, ...] = DEFAULT_MEMORY_MB,
    runs: int = DEFAULT_RUNS,
) -> LayerReport:
    from layerbuild.util.filehash import sha256_file

    path = Path(path)
    inventory = inventory_of(path)
    target, source = detect_target(path, runtime, arch)
    sha256 = sha256_file(path) if path.is_file() else None
    mode, python = detect_bytecode(inventory)
    report = LayerReport(
        inventory=inventory,
        target=target,
        target_source=source,
        layer_path=str(path),
        sha256=sha256,
        bytecode_mode=mode,
        bytecode_python=python,
        removed_known=False,
        kind=package_kind(inventory),
    )
    built = read_build_report(path, sha256) if sha256 else None
    if built:
        bytecode = built.get("bytecode") or {}
        if bytecode.get("mode"):
            mode, python = bytecode["mode"], bytecode.get("python")
        report = replace(
            report, removed=removed_rows_of(built), removed_known=True, bytecode_mode=mode, bytecode_python=python
        )
    return with_cold_start(report, path, memory_mb=memory_mb, runs=runs, measure=measure)
