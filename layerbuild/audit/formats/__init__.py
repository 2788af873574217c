"""Audit output formats: one module per format, each rendering an AuditResult it is given."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from layerbuild.audit.formats.interface import AuditFormat

FORMATS = {
    "table": "layerbuild.audit.formats.table:TableFormat",
    "json": "layerbuild.audit.formats.json:JsonFormat",
    "markdown": "layerbuild.audit.formats.markdown:MarkdownFormat",
    "github": "layerbuild.audit.formats.github:GithubFormat",
    "sarif": "layerbuild.audit.formats.sarif:SarifFormat",
    "junit": "layerbuild.audit.formats.junit:JunitFormat",
}


def get_format(name: str) -> AuditFormat:
    from layerbuild.util.lazy import load_choice

    formatter: AuditFormat = load_choice(FORMATS, name, "audit format")()
    return formatter
