"""Audit output formats: one module per format, each rendering an AuditResult it is given."""

from __future__ import annotations

FORMATS = {
    "table": "layerbuild.audit_formats.table:TableFormat",
    "json": "layerbuild.audit_formats.json:JsonFormat",
    "markdown": "layerbuild.audit_formats.markdown:MarkdownFormat",
    "github": "layerbuild.audit_formats.github:GithubFormat",
    "sarif": "layerbuild.audit_formats.sarif:SarifFormat",
    "junit": "layerbuild.audit_formats.junit:JunitFormat",
}


def get_format(name: str):
    from ..lazy import load_choice

    return load_choice(FORMATS, name, "audit format")()
