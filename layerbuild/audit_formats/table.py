"""The terminal view: what was audited, the findings with their fixes, and growth against a baseline."""

from __future__ import annotations

import io

from ..audit import AuditResult
from ..report.sizes import human_bytes
from .interface import AuditFormat, summary_line, target_line


class TableFormat(AuditFormat):
    name = "table"

    def __init__(self, width: int | None = None) -> None:
        self.width = width

    def render(self, result: AuditResult) -> str:
        from rich.console import Console
        from rich.table import Table

        buf = io.StringIO()
        console = Console(file=buf, width=self.width or 120, force_terminal=False, color_system=None)
        inv = result.inventory
        zipped = inv.zip_file_bytes
        console.print(f"audit {result.path} ({result.kind}) — target {target_line(result)}")
        console.print(f"size: {human_bytes(inv.unzipped_bytes)} unzipped (budget {human_bytes(result.settings.max_unzipped)}), "
                      f"{human_bytes(zipped)} zipped (budget {human_bytes(result.settings.max_zipped)})"
                      + (f"; with layers {human_bytes(result.total_unzipped)}" if result.layers else ""))
        if result.findings:
            table = Table(show_edge=False, expand=False)
            for col in ("severity", "rule", "finding", "where", "fix"):
                table.add_column(col, overflow="fold")
            for f in result.findings:
                where = (f.file or "") + (f":{f.line}" if f.line else "")
                table.add_row(f.severity, f"{f.rule} {f.name}", f.message, where, f.fix)
            console.print(table)
        if result.baseline is not None:
            threshold = f" (threshold {result.settings.max_growth})" if result.settings.max_growth else ""
            console.print(f"growth since {result.baseline}{threshold}:", soft_wrap=True)
            growth = Table(show_edge=False)
            for col, justify in (("package", "left"), ("before", "right"), ("after", "right"), ("change", "right")):
                growth.add_column(col, justify=justify)
            for r in [r for r in result.growth if r.delta != 0][:25]:
                pct = f" ({r.percent:+.1f}%)" if r.percent is not None else (" (new)" if r.before is None else "")
                growth.add_row(r.package, human_bytes(r.before), human_bytes(r.after),
                               f"{'+' if r.delta > 0 else '-'}{human_bytes(abs(r.delta))}{pct}")
            console.print(growth)
        console.print(summary_line(result))
        return buf.getvalue()
