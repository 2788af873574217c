"""The default view: what was audited, the findings with their fixes, and growth against a baseline.

For a terminal (`util/terminal.py`) findings are a rich table at the terminal's width. In a pipe, a
file or a CI log each finding is one line that is never wrapped, as ruff and mypy print theirs:

    python/fastthing/_speed.so: LB302 error: _speed.so needs GLIBC_2.30; python3.11 (Amazon Linux 2) has glibc 2.26 [elf-glibc-too-new] fix: …

so `grep LB302` or `grep _speed.so` finds the whole finding. The location is the path inside the
package (with `:line` for source files), else the audited package itself.
"""

from __future__ import annotations

import io

from layerbuild.audit.findings import AuditResult, Finding
from layerbuild.audit.formats.interface import AuditFormat, summary_line, target_line
from layerbuild.util.units import human_bytes


def finding_line(result: AuditResult, f: Finding) -> str:
    """`WHERE: RULE SEVERITY: MESSAGE [rule-name] fix: FIX` on one line."""
    from layerbuild.util.terminal import one_line

    where = (f.file or result.path) + (f":{f.line}" if f.line else "")
    text = f"{where}: {f.rule} {f.severity}: {f.message} [{f.name}]" + (f" fix: {f.fix}" if f.fix else "")
    return one_line(text)


class TableFormat(AuditFormat):
    name = "table"

    def __init__(self, width: int | None = None, terminal: bool | None = None) -> None:
        self.width = width
        self.terminal = terminal  # None: decide from stdout (a TTY outside CI draws a rich table)

    def render(self, result: AuditResult) -> str:
        from layerbuild.util.terminal import is_terminal

        terminal = is_terminal() if self.terminal is None else self.terminal
        inv = result.inventory
        head = [
            f"audit {result.path} ({result.kind}) — target {target_line(result)}",
            f"size: {human_bytes(inv.unzipped_bytes)} unzipped (budget {human_bytes(result.settings.max_unzipped)}), "
            f"{human_bytes(inv.zip_file_bytes)} zipped (budget {human_bytes(result.settings.max_zipped)})"
            + (f"; with layers {human_bytes(result.total_unzipped)}" if result.layers else ""),
        ]
        h = result.handler_init
        for m in h.memories if h is not None else ():  # `--code --handler`: the handler's init
            assert h is not None
            how = f"measured, median of {len(m.runs_ms)} runs ±{m.spread_ms / 2:,.0f} ms" if m.measured else "modelled"
            head.append(
                f"init: {h.handler} {m.init_ms:,.0f} ms at {m.memory} MB ({how}; empty handler {m.baseline_ms or 0:,.0f} ms)"
            )
        growth_title, growth_rows = _growth(result)
        if not terminal:
            from layerbuild.util.terminal import columns

            lines = head + [finding_line(result, f) for f in result.findings]
            if growth_title:
                lines.append(growth_title)
                lines += columns([["package", "before", "after", "change"], *growth_rows], right={1, 2, 3}, indent="  ")
            return "\n".join([*lines, summary_line(result)]) + "\n"
        return self._render_rich(result, head, growth_title, growth_rows)

    def _render_rich(
        self, result: AuditResult, head: list[str], growth_title: str | None, growth_rows: list[list[str]]
    ) -> str:
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        from layerbuild.util.terminal import terminal_width

        buf = io.StringIO()
        console = Console(file=buf, width=self.width or terminal_width(120), force_terminal=False, color_system=None)

        def say(line: str) -> None:  # plain text: no markup (paths may hold "[…]"), not wrapped
            console.print(Text(line), soft_wrap=True)

        for line in head:
            say(line)
        if result.findings:
            table = Table(show_edge=False, expand=False)
            for col in ("severity", "rule", "finding", "where", "fix"):
                table.add_column(col, overflow="fold")
            for f in result.findings:
                where = (f.file or "") + (f":{f.line}" if f.line else "")
                table.add_row(*map(Text, (f.severity, f"{f.rule} {f.name}", f.message, where, f.fix)))
            console.print(table)
        if growth_title:
            say(growth_title)
            growth = Table(show_edge=False)
            growth.add_column("package", justify="left")
            for col in ("before", "after", "change"):
                growth.add_column(col, justify="right")
            for row in growth_rows:
                growth.add_row(*map(Text, row))
            console.print(growth)
        say(summary_line(result))
        return buf.getvalue()


def _growth(result: AuditResult) -> tuple[str | None, list[list[str]]]:
    """The growth since the baseline: a title and one row per package that changed (at most 25)."""
    if result.baseline is None:
        return None, []
    threshold = f" (threshold {result.settings.max_growth})" if result.settings.max_growth else ""
    rows = []
    for r in [r for r in result.growth if r.delta != 0][:25]:
        pct = f" ({r.percent:+.1f}%)" if r.percent is not None else (" (new)" if r.before is None else "")
        rows.append(
            [
                r.package,
                human_bytes(r.before),
                human_bytes(r.after),
                f"{'+' if r.delta > 0 else '-'}{human_bytes(abs(r.delta))}{pct}",
            ]
        )
    return f"growth since {result.baseline}{threshold}:", rows
