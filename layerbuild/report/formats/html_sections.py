"""The HTML report's sections, each rendered from the report it is given: the treemap's data (layer →
package → folder → file), the import-time chart, the memory × cost table, what slimming removed and the
package table. The page around them (CSS, the treemap's script) is in html.py.
"""

from __future__ import annotations

import html
import json
from collections import defaultdict
from typing import Any

from layerbuild.model.coldstart import ColdStartEstimate
from layerbuild.model.inventory import UNOWNED, Inventory
from layerbuild.model.report import LayerReport
from layerbuild.util.units import human_bytes

# A folder with thousands of files (pytz's zoneinfo, tzdata) would make the page heavy and unreadable:
# keep its largest children and fold the rest into one "N more files" box.
MAX_CHILDREN = 120
MAX_TABLE_ROWS = 1000


def escape(text: object) -> str:
    return html.escape(str(text), quote=True)


def tree_data(inv: Inventory) -> dict[str, Any]:
    """{"n": name, "s": unzipped, "z": zipped, "c": [children]} for layer → package → folders → files."""

    def node(name: str) -> dict[str, Any]:
        return {"n": name, "s": 0, "z": 0, "c": {}}

    root = node("layer")
    sites = {d.name: d.site for d in inv.distributions}
    for f in inv.files:
        dist = f.distribution or UNOWNED
        rel = f.path[len(sites.get(dist, "")) :] if f.path.startswith(sites.get(dist, "")) else f.path
        parts = [dist] + [p for p in rel.split("/") if p]
        cur = root
        cur["s"] += f.unzipped_bytes
        cur["z"] += f.zipped_bytes
        for part in parts:
            cur = cur["c"].setdefault(part, node(part))
            cur["s"] += f.unzipped_bytes
            cur["z"] += f.zipped_bytes

    def finish(n: dict[str, Any]) -> dict[str, Any]:
        kids = sorted(n["c"].values(), key=lambda k: (-k["s"], k["n"]))
        out = {"n": n["n"], "s": n["s"], "z": n["z"]}
        if kids:
            shown, rest = kids[:MAX_CHILDREN], kids[MAX_CHILDREN:]
            out["c"] = [finish(k) for k in shown]
            if rest:
                out["c"].append(
                    {"n": f"{len(rest)} more", "s": sum(k["s"] for k in rest), "z": sum(k["z"] for k in rest)}
                )
        return out

    return finish(root)


def script_json(data: object) -> str:
    # Inside <script>, "</script>" or "<!--" in a file name would end the block: escape < > & as \u00XX.
    text = json.dumps(data, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def import_chart(report: LayerReport) -> str:
    rows = sorted(((name, ms) for name, ms in report.import_ms.items() if ms is not None), key=lambda x: -x[1])[:40]
    if not rows:
        return f'<p class="note">{escape(report.import_note)}</p>'
    top = max(ms for _, ms in rows) or 1.0
    label_w, bar_w, row_h = 190, 620, 22
    height = row_h * len(rows) + 10
    parts = [
        f'<svg id="import-chart" role="img" aria-label="import time per package" '
        f'viewBox="0 0 {label_w + bar_w + 90} {height}" width="100%" style="max-width:{label_w + bar_w + 90}px">'
    ]
    for i, (name, ms) in enumerate(rows):
        y = 5 + i * row_h
        w = max(1.0, bar_w * ms / top)
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end" class="lbl">{escape(name)}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row_h - 6}" rx="3" class="bar">'
            f"<title>{escape(name)}: {ms:.1f} ms</title></rect>"
            f'<text x="{label_w + w + 6:.1f}" y="{y + 15}" class="val">{ms:.0f} ms</text>'
        )
    parts.append("</svg>")
    note = escape(report.import_note)
    whole = report.imports.layer_import_ms if report.imports else None
    lead = f"<p>Importing the whole layer: <b>{whole:.0f} ms</b>. " if whole is not None else "<p>"
    return (
        lead + "Each bar is a fresh interpreter importing that package alone (its dependencies "
        f'included).</p>{"".join(parts)}<p class="note">{note}</p>'
    )


def cost_table(report: LayerReport) -> str:
    if not report.estimates:
        return '<p class="note">No estimate without a measured import time.</p>'
    arches = sorted({e.arch for e in report.estimates}, key=lambda a: a != "x86_64")
    by_memory: dict[int, dict[str, ColdStartEstimate]] = defaultdict(dict)
    for e in report.estimates:
        by_memory[e.memory_mb][e.arch] = e
    head = "".join(f"<th>$ per 1M cold starts<br>{escape(a)}</th>" for a in arches)
    rows = []
    for memory, row in sorted(by_memory.items()):
        first = next(iter(row.values()))
        warn = ' <span class="warn" title="over the 10 s init limit">⚠ &gt;10 s</span>' if first.over_init_limit else ""
        cells = "".join(f"<td>${row[a].usd_per_million:,.2f}</td>" if a in row else "<td>-</td>" for a in arches)
        rows.append(
            f"<tr><td>{memory} MB</td><td>{first.vcpu:.2f}</td><td>{first.init_ms / 1000:,.2f} s{warn}</td>{cells}</tr>"
        )
    from layerbuild.facts.prices import PRICES_AS_OF, PRICES_SOURCE

    return (
        f'<table id="cost-table"><thead><tr><th>memory</th><th>vCPU</th><th>modelled init</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
        f'<p class="note">Modelled: measured import time × max(1, 1769 MB ÷ memory), billed per ms; '
        f"requests not included. Prices: {escape(PRICES_SOURCE)}, as of {escape(PRICES_AS_OF)}. "
        f"See docs/cold-start-model.md.</p>"
    )


def removed_table(report: LayerReport) -> str:
    summary = sorted(report.removed, key=lambda r: -r.bytes)
    if not summary:
        return (
            '<p class="note">Nothing was removed.</p>'
            if report.removed_known
            else '<p class="note">Unknown: no build report (NAME.report.json) beside this zip says what was removed.</p>'
        )
    rows = "".join(
        f"<tr><td>{escape(r.rule)}</td><td>{escape(r.package or '-')}</td><td>{r.files}</td>"
        f"<td>{human_bytes(r.bytes)}</td></tr>"
        for r in summary[:MAX_TABLE_ROWS]
    )
    return (
        f'<table id="removed-table"><thead><tr><th>rule</th><th>package</th><th>files</th><th>bytes</th></tr>'
        f"</thead><tbody>{rows}</tbody><tfoot><tr><td>total</td><td></td><td>"
        f"{sum(r.files for r in summary)}</td><td>{human_bytes(report.removed_bytes)}</td></tr></tfoot></table>"
    )


def package_table(report: LayerReport) -> str:
    inv = report.inventory
    rows = []
    for d in inv.distributions[:MAX_TABLE_ROWS]:
        ms = report.import_ms.get(d.name)
        rows.append(
            f"<tr><td>{escape(d.name)}</td><td>{escape(d.version or '')}</td><td>{human_bytes(d.unzipped_bytes)}</td>"
            f"<td>{human_bytes(d.zipped_bytes)}</td><td>{d.files}</td>"
            f"<td>{human_bytes(d.tests_bytes) if d.tests_bytes else '-'}</td>"
            f"<td>{human_bytes(d.caches_bytes) if d.caches_bytes else '-'}</td>"
            f"<td>{len(d.native_libs) or '-'}</td><td>{f'{ms:.0f} ms' if ms is not None else '-'}</td></tr>"
        )
    more = len(inv.distributions) - MAX_TABLE_ROWS
    tail = f'<tr><td colspan="9">{more} more</td></tr>' if more > 0 else ""
    return (
        '<table id="package-table"><thead><tr><th>package</th><th>version</th><th>unzipped</th><th>zipped</th>'
        "<th>files</th><th>tests</th><th>caches</th><th>native libs</th><th>import</th></tr></thead>"
        f"<tbody>{''.join(rows)}{tail}</tbody><tfoot><tr><td>total</td><td></td><td>{human_bytes(inv.unzipped_bytes)}"
        f'</td><td>{human_bytes(inv.zipped_bytes)}</td><td>{inv.file_count}</td><td colspan="4"></td></tr></tfoot></table>'
    )
