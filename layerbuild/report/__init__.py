"""Report formats: each renders a LayerReport it is given (never installs, resolves or calls AWS)."""

from __future__ import annotations

FORMATS = {
    "table": "layerbuild.report.formats.table:TableFormat",
    "json": "layerbuild.report.formats.json:JsonFormat",
    "markdown": "layerbuild.report.formats.markdown:MarkdownFormat",
    "html": "layerbuild.report.formats.html:HtmlFormat",
}


def get_format(name: str):
    from layerbuild.util.lazy import load_choice

    return load_choice(FORMATS, name, "report format")()
