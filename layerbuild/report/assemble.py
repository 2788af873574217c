"""Assemble a LayerReport for any layer zip, function zip or folder (built by us or not).

Sizes come from inventory.py, the target from target_detect.py, import times and the cost model from
coldstart.py. When the zip has the report.json our build wrote beside it (same sha256), what slimming
removed and the bytecode mode are taken from there: the zip alone cannot say what is no longer in it.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path, PurePosixPath

from layerbuild.measure.coldstart import DEFAULT_MEMORY_MB, DEFAULT_RUNS, estimate, measure_imports, not_measured
from layerbuild.measure.inventory import Inventory, inventory_of
from layerbuild.measure.target_detect import detect_target
from layerbuild.report.model import LayerReport

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


def _build_report_beside(path: Path, sha256: str) -> dict | None:
    """The build's `NAME.report.json` next to `NAME.zip`, when it describes these exact bytes."""
    sidecar = path.with_name(path.name.removesuffix(".zip") + ".report.json")
    try:
        data = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or (data.get("layer") or {}).get("sha256") != sha256:
        return None
    return data


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
    return replace(report, imports=imports, import_ms=imports.import_ms, estimates=estimates)


def report_for_path(
    path: str | Path,
    *,
    runtime: str | None = None,
    arch: str | None = None,
    measure: bool = True,
    memory_mb: tuple[int, ...] = DEFAULT_MEMORY_MB,
    runs: int = DEFAULT_RUNS,
) -> LayerReport:
    from layerbuild.zip.writer import sha256_file

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
    )
    built = _build_report_beside(path, sha256) if sha256 else None
    if built:
        rows = tuple(
            {
                "rule": str(r["rule"]),
                "package": str(r.get("package") or ""),
                "files": int(r.get("files") or 0),
                "bytes": int(r["bytes"]),
            }
            for r in built.get("removed") or ()
            if isinstance(r, dict) and {"rule", "bytes"} <= r.keys()
        )
        bytecode = built.get("bytecode") or {}
        if bytecode.get("mode"):
            mode, python = bytecode["mode"], bytecode.get("python")
        report = replace(report, removed_rows=rows, removed_known=True, bytecode_mode=mode, bytecode_python=python)
    return with_cold_start(report, path, memory_mb=memory_mb, runs=runs, measure=measure)
