"""Markdown for `$GITHUB_STEP_SUMMARY` and pull-request comments.

GitHub cuts a comment at 65,536 characters and a step summary at 1 MiB; the report always stays under
MAX_CHARS by showing the largest rows of each section and collapsing the tail into one "N more" row.
"""

from __future__ import annotations

from layerbuild.model.coldstart import ColdStartEstimate
from layerbuild.model.inventory import UNOWNED
from layerbuild.model.report import LayerReport
from layerbuild.report.formats.interface import Format
from layerbuild.util.units import human_bytes

MAX_CHARS = 65_000
_BUDGET = 60_000  # headroom for whatever a workflow adds around the report
_MAX_CELL = 80
_ESCAPE = str.maketrans({c: f"\\{c}" for c in "\\`*_[]|#"} | {"<": "&lt;", ">": "&gt;", "\n": " ", "\r": " "})


def cell(text: object) -> str:
    """One table cell: escaped so a name or path cannot break the table or inject HTML; long text shortened."""
    s = str(text)
    if len(s) > _MAX_CELL:
        s = s[: _MAX_CELL - 1] + "…"
    return s.translate(_ESCAPE)


def prose(text: object) -> str:
    """Escaped like a cell, but never shortened (notes, reasons)."""
    return str(text).translate(_ESCAPE)


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f} ms"


def _packages(report: LayerReport, rows: int) -> list[str]:
    inv = report.inventory
    measured = bool(report.import_ms)
    head = "| package | version | unzipped | zipped | files | tests | native libs |" + (" import |" if measured else "")
    lines = ["### Packages", "", head, "|---|---|--:|--:|--:|--:|--:|" + ("--:|" if measured else "")]
    for d in inv.distributions[:rows]:
        name = f"*{cell(d.name)}*" if d.name == UNOWNED else cell(d.name)
        line = (
            f"| {name} | {cell(d.version or '')} | {human_bytes(d.unzipped_bytes)} | {human_bytes(d.zipped_bytes)} "
            f"| {d.files} | {human_bytes(d.tests_bytes) if d.tests_bytes else '-'} | {len(d.native_libs) or '-'} |"
        )
        lines.append(line + (f" {_ms(report.import_ms.get(d.name))} |" if measured else ""))
    rest = inv.distributions[rows:]
    if rest:
        lines.append(
            f"| *{len(rest)} more* | | {human_bytes(sum(d.unzipped_bytes for d in rest))} "
            f"| {human_bytes(sum(d.zipped_bytes for d in rest))} | {sum(d.files for d in rest)} | | |"
            + (" |" if measured else "")
        )
    lines.append(
        f"| **total** | | **{human_bytes(inv.unzipped_bytes)}** | **{human_bytes(inv.zipped_bytes)}** "
        f"| **{inv.file_count}** | | |" + (" |" if measured else "")
    )
    return lines


def _cold_start(report: LayerReport) -> list[str]:
    lines = ["### Cold start", "", prose(report.import_note).replace("\\`", "`"), ""]
    if report.imports and report.imports.layer_import_ms is not None:
        lines[2] = f"Importing the whole layer: **{report.imports.layer_import_ms:.0f} ms**. " + lines[2]
    if report.estimates:
        arches = sorted({e.arch for e in report.estimates}, key=lambda a: a != "x86_64")
        lines += [
            "Modelled init time and its price per 1M cold starts "
            "(model: layerbuild's docs/cold-start-model.md; requests not included):",
            "",
            "| memory | vCPU | init | " + " | ".join(f"$ / 1M {a}" for a in arches) + " |",
            "|--:|--:|--:|" + "--:|" * len(arches),
        ]
        by_memory: dict[int, dict[str, ColdStartEstimate]] = {}
        for e in report.estimates:
            by_memory.setdefault(e.memory_mb, {})[e.arch] = e
        for memory, row in sorted(by_memory.items()):
            first = next(iter(row.values()))
            init = f"{first.init_ms / 1000:.2f} s" + (" ⚠ over the 10 s init limit" if first.over_init_limit else "")
            lines.append(
                f"| {memory} MB | {first.vcpu:.2f} | {init} | "
                + " | ".join(f"${row[a].usd_per_million:.2f}" if a in row else "-" for a in arches)
                + " |"
            )
    return lines


def _removed(report: LayerReport, rows: int) -> list[str]:
    summary = sorted(report.removed, key=lambda r: -r.bytes)
    if not summary:
        return (
            []
            if report.removed_known
            else ["### Removed by the build", "", "Unknown: no build report (NAME.report.json) beside this zip."]
        )
    lines = ["### Removed by the build", "", "| rule | package | files | bytes |", "|---|---|--:|--:|"]
    for r in summary[:rows]:
        lines.append(f"| {cell(r.rule)} | {cell(r.package or '-')} | {r.files} | {human_bytes(r.bytes)} |")
    rest = summary[rows:]
    if rest:
        lines.append(
            f"| *{len(rest)} more* | | {sum(r.files for r in rest)} | {human_bytes(sum(r.bytes for r in rest))} |"
        )
    lines.append(f"| **total** | | | **{human_bytes(report.removed_bytes)}** |")
    return lines


def _unowned(report: LayerReport, rows: int) -> list[str]:
    files = sorted(
        ((f.path, f.unzipped_bytes) for f in report.inventory.files if f.distribution == UNOWNED),
        key=lambda x: (-x[1], x[0]),
    )
    if not files:
        return []
    lines = [f"### Files no package owns ({len(files)})", "", "| file | bytes |", "|---|--:|"]
    lines += [f"| {cell(p)} | {human_bytes(b)} |" for p, b in files[:rows]]
    if len(files) > rows:
        lines.append(f"| *{len(files) - rows} more* | {human_bytes(sum(b for _, b in files[rows:]))} |")
    return lines


class MarkdownFormat(Format):
    name = "markdown"

    def __init__(self, max_rows: int = 50) -> None:
        self.max_rows = max_rows

    def _render(self, report: LayerReport, rows: int) -> str:
        inv = report.inventory
        title = (report.layer_path or inv.root).rstrip("/").rsplit("/", 1)[-1]
        target = (
            f"{report.target.runtime} {report.target.arch} (glibc {report.target.glibc_str})"
            if report.target
            else "unknown"
        )
        packages = sum(1 for d in inv.distributions if d.name != UNOWNED)
        lines = [
            f"## Layer report: {cell(title)}",
            "",
            f"**Target:** {target}, from {cell(report.target_source)}  ",
            f"**Size:** {human_bytes(inv.unzipped_bytes)} unzipped · {human_bytes(inv.zip_file_bytes)} zipped · "
            f"{inv.file_count} files · {packages} packages  ",
            f"**Bytecode:** {cell(report.bytecode_mode)}"
            + (f" (Python {cell(report.bytecode_python)})" if report.bytecode_python else ""),
            "",
        ]
        for section in (
            _packages(report, rows),
            _cold_start(report),
            _removed(report, rows // 2 or 1),
            _unowned(report, min(rows // 5, 10) or 1),
        ):
            if section:
                lines += section + [""]
        return "\n".join(lines).rstrip("\n") + "\n"

    def render(self, report: LayerReport) -> str:
        rows = self.max_rows
        text = self._render(report, rows)
        while len(text) > _BUDGET and rows > 1:
            rows //= 2
            text = self._render(report, rows)
        if len(text) > MAX_CHARS:  # only if the fixed parts alone were enormous; never expected
            text = text[: MAX_CHARS - 40] + "\n\n*(report shortened)*\n"
        if report.handler_init is not None:  # `report --code --handler`
            from layerbuild.report.formats.coldstart import init_markdown

            text += "\n" + init_markdown(report.handler_init, level=3)
        return text
