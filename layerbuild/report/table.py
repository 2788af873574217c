"""The terminal table: packages by size, totals, and what was removed."""

from __future__ import annotations

import io

from .interface import Format
from .model import LayerReport
from .sizes import human_bytes


class TableFormat(Format):
    name = "table"

    def __init__(self, limit: int = 25, width: int | None = None) -> None:
        self.limit = limit
        self.width = width

    def render(self, report: LayerReport) -> str:
        from rich.console import Console
        from rich.table import Table

        inv = report.inventory
        buf = io.StringIO()
        console = Console(file=buf, width=self.width or 100, force_terminal=False, color_system=None)
        title = report.layer_path or inv.root
        if report.target:
            title += f"  [{report.target.runtime} {report.target.arch}, glibc {report.target.glibc_str}]"
        table = Table(title=title, title_justify="left", show_edge=False)
        table.add_column("package")
        table.add_column("version")
        table.add_column("unzipped", justify="right")
        table.add_column("zipped", justify="right")
        table.add_column("files", justify="right")
        if report.import_ms:
            table.add_column("import", justify="right")
        shown = inv.distributions[: self.limit]
        for d in shown:
            row = [d.name, d.version or "", human_bytes(d.unzipped_bytes), human_bytes(d.zipped_bytes), str(d.files)]
            if report.import_ms:
                ms = report.import_ms.get(d.name)
                row.append(f"{ms:.0f} ms" if ms is not None else "-")
            table.add_row(*row)
        rest = inv.distributions[self.limit:]
        if rest:
            row = [f"… {len(rest)} more", "", human_bytes(sum(d.unzipped_bytes for d in rest)),
                   human_bytes(sum(d.zipped_bytes for d in rest)), str(sum(d.files for d in rest))]
            if report.import_ms:
                row.append("")
            table.add_row(*row)
        total = ["total", "", human_bytes(inv.unzipped_bytes), human_bytes(inv.zipped_bytes), str(inv.file_count)]
        if report.import_ms:
            total.append("")
        table.add_section()
        table.add_row(*total)
        console.print(table)
        by_rule = report.removed.by_rule()
        if by_rule:
            parts = ", ".join(f"{rule} {human_bytes(b)}" for rule, b in by_rule.items())
            console.print(f"removed: {parts}")
        if report.bytecode_mode:
            console.print(f"bytecode: {report.bytecode_mode}"
                          + (f" (Python {report.bytecode_python})" if report.bytecode_python else ""))
        return buf.getvalue()
