"""Report formats: each renders a LayerReport it is given (never installs, resolves or calls AWS)."""

from __future__ import annotations

FORMATS = {
    "table": "layerbuild.report.table:TableFormat",
    "json": "layerbuild.report.json:JsonFormat",
    "markdown": "layerbuild.report.markdown:MarkdownFormat",
    "html": "layerbuild.report.html:HtmlFormat",
}


def get_format(name: str):
    from ..lazy import load_choice

    return load_choice(FORMATS, name, "report format")()
