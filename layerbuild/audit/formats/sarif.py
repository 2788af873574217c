"""SARIF 2.1.0 (OASIS) for GitHub code scanning and other SARIF viewers.

One run; every rule in `audit/rules.RULES` is listed in tool.driver.rules (so results can refer to them
by index), each result carries its level, message, a physical location and, for paths inside a zip,
the inner path in `properties.packagePath`.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from layerbuild import __version__
from layerbuild.audit.findings import AuditResult
from layerbuild.audit.formats.interface import AuditFormat, location, target_line
from layerbuild.audit.rules import RULES

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


class SarifFormat(AuditFormat):
    name = "sarif"

    def render(self, result: AuditResult) -> str:
        rule_ids = list(RULES)
        rules = [
            {
                "id": r.id,
                "name": r.name,
                "shortDescription": {"text": r.title},
                "fullDescription": {"text": f"{r.title}. Fix: {r.fix}"},
                "help": {"text": r.fix},
                "defaultConfiguration": {"level": _LEVEL[r.severity]},
            }
            for r in RULES.values()
        ]
        results = []
        for f in result.findings:
            file, line = location(result, f)
            # A URI reference: relative paths stay relative (GitHub maps them to the repository).
            physical: dict[str, Any] = {"artifactLocation": {"uri": quote(file)}}
            if line:
                physical["region"] = {"startLine": line}
            item = {
                "ruleId": f.rule,
                "ruleIndex": rule_ids.index(f.rule),
                "level": _LEVEL[f.severity],
                "message": {"text": f"{f.message}. Fix: {f.fix}"},
                "locations": [{"physicalLocation": physical}],
                "partialFingerprints": {"layerbuild/v1": f"{f.rule}:{f.package or ''}:{f.file or ''}"},
            }
            props = {k: v for k, v in (("packagePath", f.file), ("package", f.package)) if v}
            if props:
                item["properties"] = props
            results.append(item)
        log = {
            "$schema": SCHEMA_URI,
            "version": "2.1.0",
            "runs": [
                {
                    "tool": {
                        "driver": {
                            "name": "layerbuild",
                            "version": __version__,
                            "informationUri": "https://github.com/layerbuild/layerbuild",
                            "rules": rules,
                        }
                    },
                    "invocations": [{"executionSuccessful": True, "exitCode": result.exit_code}],
                    "results": results,
                    "properties": {"target": target_line(result), "audited": result.path},
                }
            ],
        }
        return json.dumps(log, indent=2) + "\n"
