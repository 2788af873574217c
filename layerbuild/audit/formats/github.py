"""GitHub Actions workflow commands: one `::error|warning|notice file=…,line=…,title=…::message` per finding.

Escaping follows the Actions toolkit (`@actions/core` command.ts): data escapes %, CR, LF; property
values also escape `:` and `,`.
"""

from __future__ import annotations

from layerbuild.audit.findings import AuditResult
from layerbuild.audit.formats.interface import AuditFormat, location, summary_line

_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


class GithubFormat(AuditFormat):
    name = "github"

    def render(self, result: AuditResult) -> str:
        lines = []
        for f in result.findings:
            file, line = location(result, f)
            props = [f"file={_prop(file)}"]
            if line:
                props.append(f"line={line}")
            props.append(f"title={_prop(f'{f.rule} {f.name}')}")
            lines.append(f"::{_LEVEL[f.severity]} {','.join(props)}::{_data(f'{f.message}. Fix: {f.fix}')}")
        lines.append(summary_line(result))
        return "\n".join(lines) + "\n"
