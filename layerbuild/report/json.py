"""The report JSON (schema_version 1): see docs/report-schema.md. Fields are added, never renamed."""

from __future__ import annotations

import json

from .interface import Format
from .model import LayerReport

SCHEMA_VERSION = 1


def report_dict(report: LayerReport) -> dict:
    inv = report.inventory
    target = report.target
    return {
        "schema_version": SCHEMA_VERSION,
        "target": {
            "runtime": target.runtime if target else None,
            "arch": target.arch if target else None,
            "glibc": target.glibc_str if target else None,
            "source": report.target_source,
        },
        "layer": {
            "path": report.layer_path,
            "sha256": report.sha256,
            "zipped_bytes": inv.zipped_bytes,
            "unzipped_bytes": inv.unzipped_bytes,
            "files": inv.file_count,
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
            }
            for d in inv.distributions
        ],
        "removed": report.removed.summary(),
        "bytecode": {"mode": report.bytecode_mode, "python": report.bytecode_python},
        "findings": list(report.findings),
        **report.extra,
    }


class JsonFormat(Format):
    name = "json"
    is_machine_readable = True

    def render(self, report: LayerReport) -> str:
        return json.dumps(report_dict(report), indent=2, sort_keys=False) + "\n"
