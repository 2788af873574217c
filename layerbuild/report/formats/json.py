"""The report JSON (schema_version 1): see docs/report-schema.md. Fields are added, never renamed.

`report_dict` is the one place a LayerReport becomes JSON: `report --format json`, the build's
report.json (report/sidecar.py) and the audit JSON (a superset) all go through it.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from layerbuild.model.inventory import UNOWNED
from layerbuild.model.report import BuildSummary, ImportCheckSummary, LayerReport
from layerbuild.report.formats.interface import Format

SCHEMA_VERSION = 1
# A function zip can hold tens of thousands of files no dist-info owns: list the largest, count all.
MAX_UNOWNED_LISTED = 1000
LARGEST_FILES_LISTED = 5


def _cold_start(report: LayerReport) -> dict[str, Any]:
    from layerbuild.facts.prices import PRICES_AS_OF, PRICES_REGION, PRICES_SOURCE

    imports = report.imports
    return {
        "measured": bool(imports and imports.measured),
        "note": report.import_note,
        "python": imports.python if imports else None,
        "runs": imports.runs if imports else 0,
        "layer_import_ms": imports.layer_import_ms if imports else None,
        "model": "docs/cold-start-model.md",
        "prices": {"source": PRICES_SOURCE, "as_of": PRICES_AS_OF, "region": PRICES_REGION},
        "estimates": [
            {
                "memory_mb": e.memory_mb,
                "arch": e.arch,
                "vcpu": e.vcpu,
                "init_ms": round(e.init_ms, 1),
                "billed_ms": e.billed_ms,
                "usd_per_million_cold_starts": round(e.usd_per_million, 4),
                "over_init_limit": e.over_init_limit,
            }
            for e in report.estimates
        ],
    }


def _bytecode(report: LayerReport) -> dict[str, Any]:
    out: dict[str, Any] = {"mode": report.bytecode_mode, "python": report.bytecode_python}
    detail = report.bytecode_detail
    if detail is not None:
        out["pyc_files"] = detail.pyc_files
        if detail.reason:
            out.update(
                {
                    "reason": detail.reason,
                    "sources_without_pyc": detail.sources_without_pyc,
                    "budget_bytes": detail.budget_bytes,
                }
            )
    return out


def _import_check(check: ImportCheckSummary) -> dict[str, Any]:
    out: dict[str, Any] = {
        "python": check.python,
        "skipped": check.skipped,
        "modules": check.modules,
        "failures": list(check.failures),
        "warnings": list(check.warnings),
    }
    if check.imported_after:  # module -> the module imported before it (it loads only through that one)
        out["imported_after"] = dict(check.imported_after)
    if check.skipped_modules:
        out["skipped_modules"] = list(check.skipped_modules)
    return out


def _build(build: BuildSummary) -> dict[str, Any]:
    return {
        "cached": build.cached,
        "built_in_container": list(build.built_in_container),
        "imports_verified": None if build.imports_verified is None else _import_check(build.imports_verified),
        # the manifest the layer was built from (resolve/inputs)
        **({"source": {"path": build.source[0], "kind": build.source[1]}} if build.source is not None else {}),
    }


def report_dict(report: LayerReport) -> dict[str, Any]:
    inv = report.inventory
    target = report.target
    imports = {p.name: p for p in report.imports.packages} if report.imports else {}
    unowned = sorted(
        ((f.path, f.unzipped_bytes) for f in inv.files if f.distribution == UNOWNED), key=lambda x: (-x[1], x[0])
    )
    return {
        "schema_version": SCHEMA_VERSION,
        "target": {
            "runtime": target.runtime if target else None,
            "arch": target.arch if target else None,
            "glibc": target.glibc_str if target else None,
            "source": report.target_source,
        },
        "layer": {
            "kind": report.kind,  # "function" for a function zip (code and dependencies at the root)
            "path": report.layer_path,
            "sha256": report.sha256,
            "zipped_bytes": inv.zip_file_bytes,
            "unzipped_bytes": inv.unzipped_bytes,
            "files": inv.file_count,
            "archive_bytes": inv.archive_bytes,
            "entries_zipped_bytes": inv.zipped_bytes,
            "skipped_special_files": len(inv.skipped_special),
        },
        "packages": [
            {
                "name": d.name,
                "version": d.version,
                "unzipped_bytes": d.unzipped_bytes,
                "zipped_bytes": d.zipped_bytes,
                "files": d.files,
                "native_libs": len(d.native_libs),
                "top_level": list(d.top_level),
                "import_ms": report.import_ms.get(d.name),
                "import_error": imports[d.name].error if d.name in imports else None,
                "tests_bytes": d.tests_bytes,
                "caches_bytes": d.caches_bytes,
                "native_lib_files": list(d.native_libs),
                "largest_files": [{"path": p, "bytes": b} for p, b in d.largest_files[:LARGEST_FILES_LISTED]],
            }
            for d in inv.distributions
        ],
        "unowned_files": [{"path": p, "bytes": b} for p, b in unowned[:MAX_UNOWNED_LISTED]],
        "unowned_files_total": len(unowned),
        "skipped_special_paths": [{"path": p, "kind": k} for p, k in inv.skipped_special[:MAX_UNOWNED_LISTED]],
        "removed": [asdict(r) for r in report.removed],
        "removed_known": report.removed_known,
        "bytecode": _bytecode(report),
        "cold_start": _cold_start(report),
        "findings": [asdict(f) for f in report.findings],
        **(_build(report.build) if report.build is not None else {}),
        **(_init(report) if report.handler_init is not None else {}),
    }


def _init(report: LayerReport) -> dict[str, Any]:
    """`report --code --handler`: the handler's init (docs/coldstart.md)."""
    from layerbuild.report.formats.coldstart import init_dict

    return {"init": init_dict(report.handler_init)} if report.handler_init is not None else {}


def report_json(report: LayerReport) -> str:
    """The report JSON as text, as `report.json` holds it."""
    return json.dumps(report_dict(report), indent=2) + "\n"


class JsonFormat(Format):
    name = "json"

    def render(self, report: LayerReport) -> str:
        return report_json(report)
