"""The table view: packages by size, totals, cold-start cost and what was removed.

For a terminal (layerbuild/terminal.py) the tables are drawn with rich at the terminal's width. In a
pipe, a file or a CI log every row is one line of aligned columns that is never wrapped, so
`grep numpy` finds numpy's whole row and a long file name stays whole.
"""

from __future__ import annotations

import io

from layerbuild.model.coldstart import ColdStartEstimate
from layerbuild.model.report import LayerReport
from layerbuild.report.formats.interface import Format
from layerbuild.util.units import human_bytes

_NUMBERS = frozenset({2, 3, 4, 5})  # unzipped, zipped, files, import: right-aligned


class TableFormat(Format):
    name = "table"

    def __init__(self, limit: int = 25, width: int | None = None, terminal: bool | None = None) -> None:
        self.limit = limit
        self.width = width
        self.terminal = terminal  # None: decide from stdout (a TTY outside CI draws rich tables)

    def render(self, report: LayerReport) -> str:
        text = self._render_layer(report)
        if report.handler_init is not None:  # `report --code --handler`: the handler's init after the layer
            from layerbuild.report.formats.coldstart import init_table

            text += "\n" + init_table(report.handler_init)
        return text

    def _render_layer(self, report: LayerReport) -> str:
        from layerbuild.util.terminal import is_terminal

        terminal = is_terminal() if self.terminal is None else self.terminal
        title, header, rows, total = _package_rows(report, self.limit)
        notes = _notes(report)
        cold = _cold_start_rows(report)
        if not terminal:
            from layerbuild.util.terminal import columns

            lines = [title]
            lines += columns([header, *rows, total], right=_NUMBERS)
            if cold is not None:
                note, cold_header, cold_rows = cold
                lines.append(note)
                if cold_rows:
                    lines.append("modelled cold start (docs/cold-start-model.md)")
                    lines += columns([cold_header, *cold_rows], right=frozenset(range(len(cold_header))))
            return "\n".join(lines + notes) + "\n"
        return _render_rich(self.width, title, header, rows, total, cold, notes)


def _package_rows(report: LayerReport, limit: int) -> tuple[str, list[str], list[list[str]], list[str]]:
    inv = report.inventory
    title = report.layer_path or inv.root
    if report.kind == "function":
        title += "  (function package)"
    if report.target:
        title += f"  [{report.target.runtime} {report.target.arch}, glibc {report.target.glibc_str}]"
    header = ["package", "version", "unzipped", "zipped", "files"] + (["import"] if report.import_ms else [])
    rows = []
    for d in inv.distributions[:limit]:
        row = [d.name, d.version or "", human_bytes(d.unzipped_bytes), human_bytes(d.zipped_bytes), str(d.files)]
        if report.import_ms:
            ms = report.import_ms.get(d.name)
            row.append(f"{ms:.0f} ms" if ms is not None else "-")
        rows.append(row)
    rest = inv.distributions[limit:]
    if rest:
        row = [
            f"… {len(rest)} more",
            "",
            human_bytes(sum(d.unzipped_bytes for d in rest)),
            human_bytes(sum(d.zipped_bytes for d in rest)),
            str(sum(d.files for d in rest)),
        ]
        rows.append(row + ([""] if report.import_ms else []))
    total = ["total", "", human_bytes(inv.unzipped_bytes), human_bytes(inv.zipped_bytes), str(inv.file_count)]
    return title, header, rows, total + ([""] if report.import_ms else [])


def _cold_start_rows(report: LayerReport) -> tuple[str, list[str], list[list[str]]] | None:
    """The import-time note, and the modelled init time and cost per memory size (one row per size)."""
    imports = report.imports
    if imports is None:
        return None
    if imports.layer_import_ms is not None:
        note = f"import, whole layer: {imports.layer_import_ms:.0f} ms ({imports.note})"
    else:
        note = f"import: {imports.note}"
    if not report.estimates:
        return note, [], []
    by_memory: dict[int, dict[str, ColdStartEstimate]] = {}
    for e in report.estimates:
        by_memory.setdefault(e.memory_mb, {})[e.arch] = e
    arches = sorted({e.arch for e in report.estimates}, key=lambda a: a != "x86_64")
    header = ["memory", "vCPU", "init", *(f"$ / 1M cold starts {arch}" for arch in arches)]
    rows = []
    for memory, row in sorted(by_memory.items()):
        first = next(iter(row.values()))
        init = f"{first.init_ms / 1000:.2f} s" + (" (>10 s limit)" if first.over_init_limit else "")
        rows.append(
            [
                f"{memory} MB",
                f"{first.vcpu:.2f}",
                init,
                *(f"${row[a].usd_per_million:.2f}" if a in row else "-" for a in arches),
            ]
        )
    return note, header, rows


def _notes(report: LayerReport) -> list[str]:
    lines = []
    by_rule = report.removed_by_rule()
    if by_rule:
        lines.append("removed: " + ", ".join(f"{rule} {human_bytes(b)}" for rule, b in by_rule.items()))
    if report.bytecode_mode:
        lines.append(
            f"bytecode: {report.bytecode_mode}"
            + (f" (Python {report.bytecode_python})" if report.bytecode_python else "")
        )
    special = report.inventory.skipped_special
    if special:
        lines.append(skipped_special_note(special))
    return lines


def skipped_special_note(special: tuple[tuple[str, str], ...], shown: int = 5) -> str:
    """One line on the FIFOs, sockets and devices a folder held (not read, not counted in any size)."""
    listed = ", ".join(f"{path} ({kind})" for path, kind in special[:shown])
    more = f", … {len(special) - shown} more" if len(special) > shown else ""
    return (
        f"skipped {len(special)} special file{'s' if len(special) != 1 else ''} (not regular files: "
        f"never read, not in any size; a layer zip cannot hold them): {listed}{more}"
    )


def _render_rich(
    width: int | None,
    title: str,
    header: list[str],
    rows: list[list[str]],
    total: list[str],
    cold: tuple[str, list[str], list[list[str]]] | None,
    notes: list[str],
) -> str:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from layerbuild.util.terminal import terminal_width

    buf = io.StringIO()
    console = Console(file=buf, width=width or terminal_width(), force_terminal=False, color_system=None)

    def say(line: str) -> None:  # plain text: no markup (a name may hold "[…]"), not wrapped
        console.print(Text(line), soft_wrap=True)

    say(title)
    table = Table(show_edge=False)
    for i, col in enumerate(header):
        table.add_column(col, justify="right" if i in _NUMBERS else "left")
    for row in rows:
        table.add_row(*map(Text, row))
    table.add_section()
    table.add_row(*map(Text, total))
    console.print(table)
    if cold is not None:
        note, cold_header, cold_rows = cold
        say(note)
        if cold_rows:
            say("modelled cold start (docs/cold-start-model.md)")
            cold_table = Table(show_edge=False)
            for col in cold_header:
                cold_table.add_column(col, justify="right")
            for row in cold_rows:
                cold_table.add_row(*map(Text, row))
            console.print(cold_table)
    for line in notes:
        say(line)
    return buf.getvalue()
