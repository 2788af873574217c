"""Markdown: a summary, the findings table and the growth table (also for $GITHUB_STEP_SUMMARY)."""

from __future__ import annotations

from layerbuild.audit.findings import AuditResult
from layerbuild.audit.formats.interface import AuditFormat, summary_line, target_line
from layerbuild.util.units import human_bytes

_ICON = {"error": "❌", "warning": "⚠️", "info": "ℹ️"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


class MarkdownFormat(AuditFormat):
    name = "markdown"

    def render(self, result: AuditResult) -> str:
        inv = result.inventory
        s = result.settings
        out = [
            f"## layerbuild audit: `{result.path}`",
            "",
            f"**{summary_line(result)}**",
            "",
            f"- target: {target_line(result)}",
            f"- size: {human_bytes(inv.unzipped_bytes)} unzipped, "
            f"{human_bytes(inv.zip_file_bytes)} zipped"
            + (
                f"; with {len(result.layers)} layer(s): {human_bytes(result.total_unzipped)} unzipped"
                if result.layers
                else ""
            ),
            f"- budgets: {human_bytes(s.max_unzipped)} unzipped, {human_bytes(s.max_zipped)} zipped"
            + ("".join(f", {n} ≤ {human_bytes(b)}" for n, b in s.max_package)),
        ]
        h = result.handler_init
        for m in h.memories if h is not None else ():  # `--code --handler`: the handler's init
            how = f"measured, median of {len(m.runs_ms)}" if m.measured else "modelled"
            out.append(f"- init of `{h.handler if h else ''}`: {m.init_ms:,.0f} ms at {m.memory} MB ({how})")
        out.append("")
        if result.findings:
            out += ["| | rule | finding | where | fix |", "|---|---|---|---|---|"]
            for f in result.findings:
                where = f"`{f.file}`" + (f":{f.line}" if f.line else "") if f.file else ""
                out.append(
                    f"| {_ICON[f.severity]} {f.severity} | {f.rule} {f.name} | {_cell(f.message)} | "
                    f"{_cell(where)} | {_cell(f.fix)} |"
                )
            out.append("")
        if result.baseline is not None:
            out += [
                f"### Growth since `{result.baseline}`" + (f" (threshold {s.max_growth})" if s.max_growth else ""),
                "",
                "| package | before | after | change |",
                "|---|---:|---:|---:|",
            ]
            changed = [r for r in result.growth if r.delta != 0]
            for r in changed[:30]:
                pct = f" ({r.percent:+.1f}%)" if r.percent is not None else (" (new)" if r.before is None else "")
                out.append(
                    f"| {r.package} | {human_bytes(r.before)} | {human_bytes(r.after)} | "
                    f"{'+' if r.delta > 0 else '−'}{human_bytes(abs(r.delta))}{pct} |"
                )
            if not changed:
                out.append("| (no change) | | | |")
            out.append("")
        return "\n".join(out) + "\n"
