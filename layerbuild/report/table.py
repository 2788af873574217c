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
        _print_cold_start(console, report)
        by_rule = report.removed_by_rule()
        if by_rule:
            parts = ", ".join(f"{rule} {human_bytes(b)}" for rule, b in by_rule.items())
            console.print(f"removed: {parts}")
        if report.bytecode_mode:
            console.print(f"bytecode: {report.bytecode_mode}"
                          + (f" (Python {report.bytecode_python})" if report.bytecode_python else ""))
        return buf.getvalue()


def _print_cold_start(console, report: LayerReport) -> None:
    """The import-time note, and the modelled init time and cost per memory size (one row per size)."""
    from rich.table import Table

    imports = report.imports
    if imports is None:
        return
    if imports.layer_import_ms is not None:
        console.print(f"import, whole layer: {imports.layer_import_ms:.0f} ms ({imports.note})")
    else:
        console.print(f"import: {imports.note}")
    if not report.estimates:
        return
    by_memory: dict[int, dict[str, object]] = {}
    for e in report.estimates:
        by_memory.setdefault(e.memory_mb, {})[e.arch] = e
    arches = sorted({e.arch for e in report.estimates}, key=lambda a: a != "x86_64")
    table = Table(title="modelled cold start (docs/cold-start-model.md)", title_justify="left", show_edge=False)
    table.add_column("memory", justify="right")
    table.add_column("vCPU", justify="right")
    table.add_column("init", justify="right")
    for arch in arches:
        table.add_column(f"$ / 1M cold starts {arch}", justify="right")
    for memory, row in sorted(by_memory.items()):
        first = next(iter(row.values()))
        init = f"{first.init_ms / 1000:.2f} s" + (" (>10 s limit)" if first.over_init_limit else "")
        table.add_row(f"{memory} MB", f"{first.vcpu:.2f}", init,
                      *(f"${row[a].usd_per_million:.2f}" if a in row else "-" for a in arches))
    console.print(table)
