"""Audit JSON: the report JSON (schema_version 1) plus the audit's findings, growth and verdict.

Being a superset of `report.json`, an audit JSON can be the next run's `--baseline`.
"""

from __future__ import annotations

import json
from typing import Any

from layerbuild.audit.findings import AuditResult
from layerbuild.audit.formats.interface import AuditFormat


def audit_dict(result: AuditResult) -> dict[str, Any]:
    from layerbuild.model.report import LayerReport, ReportFinding
    from layerbuild.report.formats.json import report_dict

    base = report_dict(
        LayerReport(
            inventory=result.inventory,
            target=result.target,
            target_source=result.target_source,
            layer_path=result.built_zip or result.path,
            findings=tuple(ReportFinding(**f.to_dict()) for f in result.findings),
            kind="function" if result.kind == "function" else "layer",  # a requirements file was built as a layer
            handler_init=result.handler_init,
        )
    )
    s = result.settings
    base["audit"] = {
        "path": result.path,
        "kind": result.kind,
        "exit_code": result.exit_code,
        "fail_on": s.fail_on,
        "counts": result.counts(),
        "budgets": {
            "max_unzipped": s.max_unzipped,
            "max_zipped": s.max_zipped,
            "max_package": dict(s.max_package),
            "max_growth": str(s.max_growth) if s.max_growth else None,
            "max_init_ms": s.max_init_ms,
            "max_init_growth_percent": s.max_init_growth,
            "max_init_share_percent": s.max_init_share,
        },
        "total_unzipped_bytes": result.total_unzipped,
        "layers": [
            {"path": x.path, "unzipped_bytes": x.unzipped_bytes, "zipped_bytes": x.zipped_bytes, "packages": x.packages}
            for x in result.layers
        ],
        "baseline": None
        if result.baseline is None
        else {
            "path": result.baseline,
            "unzipped_bytes": result.baseline_unzipped,
            "growth": [
                {
                    "package": r.package,
                    "before": r.before,
                    "after": r.after,
                    "delta": r.delta,
                    "percent": None if r.percent is None else round(r.percent, 2),
                }
                for r in result.growth
            ],
        },
    }
    return base


class JsonFormat(AuditFormat):
    name = "json"

    def render(self, result: AuditResult) -> str:
        return json.dumps(audit_dict(result), indent=2) + "\n"
