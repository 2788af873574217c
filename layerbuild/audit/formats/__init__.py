"""Audit output formats: one module per format, each rendering an AuditResult it is given."""

from __future__ import annotations

FORMATS = {
    "table": "layerbuild.audit.formats.table:TableFormat",
    "json": "layerbuild.audit.formats.json:JsonFormat",
    "markdown": "layerbuild.audit.formats.markdown:MarkdownFormat",
    "github": "layerbuild.audit.formats.github:GithubFormat",
    "sarif": "layerbuild.audit.formats.sarif:SarifFormat",
    "junit": "layerbuild.audit.formats.junit:JunitFormat",
}


def get_format(name: str):
    from layerbuild.util.lazy import load_choice

    return load_choice(FORMATS, name, "audit format")()
