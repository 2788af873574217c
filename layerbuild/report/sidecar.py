"""The build's `NAME.report.json` beside `NAME.zip`: written here (the one serializer of report.json),
and read back by `report`, which learns from it what the zip alone cannot say (what slimming removed)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from layerbuild.model.report import LayerReport, RemovedRow
from layerbuild.report.formats.json import report_json
from layerbuild.util.atomic import write_atomic


def sidecar_of(zip_path: Path) -> Path:
    return zip_path.with_name(zip_path.name.removesuffix(".zip") + ".report.json")


def write_report_json(report: LayerReport, path: Path) -> None:
    """Write the report's JSON (docs/report-schema.md) to `path`, atomically."""
    text = report_json(report)
    write_atomic(path, lambda tmp: tmp.write_text(text))


def read_build_report(zip_path: Path, sha256: str) -> dict[str, Any] | None:
    """The build's report beside `zip_path`, when it describes these exact bytes."""
    try:
        data = json.loads(sidecar_of(zip_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or (data.get("layer") or {}).get("sha256") != sha256:
        return None
    return data


def removed_rows_of(data: dict[str, Any]) -> tuple[RemovedRow, ...]:
    """The `removed[]` rows of a build report (rows without a rule or bytes are skipped)."""
    return tuple(
        RemovedRow(
            rule=str(r["rule"]),
            package=str(r.get("package") or ""),
            files=int(r.get("files") or 0),
            bytes=int(r["bytes"]),
        )
        for r in data.get("removed") or ()
        if isinstance(r, dict) and {"rule", "bytes"} <= r.keys()
    )
