"""Report formats: each renders a LayerReport it is given (never installs, resolves or calls AWS)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from layerbuild.report.formats.interface import Format

FORMATS = {
    "table": "layerbuild.report.formats.table:TableFormat",
    "json": "layerbuild.report.formats.json:JsonFormat",
    "markdown": "layerbuild.report.formats.markdown:MarkdownFormat",
    "html": "layerbuild.report.formats.html:HtmlFormat",
}


def get_format(name: str) -> Format:
    from layerbuild.util.lazy import load_choice

    chosen: type[Format] = load_choice(FORMATS, name, "report format")
    return chosen()
