"""Report formats: each renders a LayerReport it is given (never installs, resolves or calls AWS)."""

from __future__ import annotations

FORMATS = {
    "table": "layerbuild.report.table:TableFormat",
    "json": "layerbuild.report.json:JsonFormat",
    "markdown": "layerbuild.report.markdown:MarkdownFormat",
    "html": "layerbuild.report.html:HtmlFormat",
}


def get_format(name: str):
    from importlib import import_module

    from ..errors import InputError

    if name not in FORMATS:
        raise InputError(f"unknown report format {name!r}: choose one of {', '.join(FORMATS)}")
    module, _, attr = FORMATS[name].partition(":")
    return getattr(import_module(module), attr)()
