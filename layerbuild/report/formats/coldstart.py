"""The handler's init (HandlerInit) as JSON, a terminal table, Markdown and an HTML section.

`layerbuild coldstart` prints one of these; `report --code --handler` adds them to its own formats (the
JSON's `init` key, a section in the table, Markdown and HTML). The JSON is documented in docs/coldstart.md;
fields are added, never renamed.
"""

from __future__ import annotations

from typing import Any

from layerbuild.facts.limits import MAX_INIT_MS
from layerbuild.model.handler_init import HandlerInit, MemoryInit
from layerbuild.util.units import human_bytes

INIT_SCHEMA_VERSION = 1
PACKAGES_SHOWN = 15


def init_dict(h: HandlerInit) -> dict[str, Any]:
    from layerbuild.facts.prices import PRICES_AS_OF, PRICES_REGION, PRICES_SOURCE

    return {
        "init_schema_version": INIT_SCHEMA_VERSION,
        "handler": h.handler,
        "code": h.code,
        "layers": list(h.layers),
        "runtime": h.runtime,
        "arch": h.arch,
        "python": h.python,
        "runs": h.runs,
        "measured": h.measured,
        "note": h.note,
        "runtime_sdk": h.runtime_sdk or "on sys.path after the layers",
        "network": h.network,
        "prices": {"source": PRICES_SOURCE, "as_of": PRICES_AS_OF, "region": PRICES_REGION},
        "memories": [
            {
                "memory": m.memory,
                "init_ms": m.init_ms,
                "measured": m.measured,
                "cpu_share": m.cpu_share,
                "runs_ms": list(m.runs_ms),
                "spread_ms": m.spread_ms,
                "baseline_ms": m.baseline_ms,
                "baseline_runs_ms": list(m.baseline_runs_ms),
                "billed_ms": m.billed_ms,
                "usd_per_million_cold_starts": m.usd_per_million,
                "cpu_quota_us": m.quota_us,
                "cpu_period_us": m.period_us,
                "cpu_ms": m.cpu_ms,
                "invoke_ms": m.invoke_ms,
                # Past Lambda's 10 s init limit, init is retried inside the first invoke (facts/limits.py).
                "over_init_limit": m.init_ms > MAX_INIT_MS,
            }
            for m in h.memories
        ],
        "packages": [
            {
                "name": p.name,
                "source": p.source,
                "self_ms": p.self_ms,
                "modules": p.modules,
                "bytes_loaded": p.bytes_loaded,
            }
            for p in h.packages
        ],
        "never_imported": list(h.never_imported),
        "modules": h.modules,
        "bytes_loaded": h.bytes_loaded,
        "invoke_error": h.invoke_error,
    }


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f} ms" if value >= 10 else f"{value:.1f} ms"


def _memory_rows(h: HandlerInit) -> tuple[list[str], list[list[str]]]:
    head = ["memory", "CPU", "init (median)", "spread", "baseline", "billed", "$ per 1M inits", "how"]
    if any(m.invoke_ms is not None for m in h.memories):
        head.insert(6, "first invoke")
    rows = []
    for m in h.memories:
        row = [
            f"{m.memory} MB",
            f"{m.cpu_share:.3f}",
            _ms(m.init_ms),
            "±" + _ms(m.spread_ms / 2) if m.measured else "-",
            _ms(m.baseline_ms),
            f"{m.billed_ms:,} ms",
            f"${m.usd_per_million:,.2f}",
            _how(m),
        ]
        if len(head) == 9:
            row.insert(6, _ms(m.invoke_ms))
        rows.append(row)
    return head, rows


def _how(m: MemoryInit) -> str:
    over = ", over Lambda's 10 s init limit" if m.init_ms > MAX_INIT_MS else ""
    if not m.measured:
        return "modelled" + over
    return (f"measured, quota {m.quota_us}/{m.period_us} µs" if m.quota_us else "measured") + over


def _package_rows(h: HandlerInit) -> tuple[list[str], list[list[str]]]:
    head = ["package", "from", "self time", "modules", "bytes loaded"]
    rows = [[p.name, p.source, _ms(p.self_ms), str(p.modules), human_bytes(p.bytes_loaded)] for p in h.packages]
    return head, rows[:PACKAGES_SHOWN]


def _plain(head: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(x) for x in col) for col in zip(head, *rows, strict=False)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)).rstrip() for r in [head, *rows]]
    return "\n".join(lines)


def _summary(h: HandlerInit) -> list[str]:
    lines = [
        f"{h.modules} modules, {human_bytes(h.bytes_loaded)} loaded at init",
        "never imported at init: " + (", ".join(h.never_imported) if h.never_imported else "none"),
    ]
    if h.invoke_error:
        lines.append(f"first invoke raised: {h.invoke_error}")
    if h.runtime_sdk:
        lines.append(f"runtime SDK not on sys.path: {h.runtime_sdk}")
    return lines


def init_table(h: HandlerInit) -> str:
    mh, mr = _memory_rows(h)
    ph, pr = _package_rows(h)
    parts = [
        f"init of {h.handler} ({h.runtime} {h.arch}, Python {h.python})",
        _plain(mh, mr),
        "",
        _plain(ph, pr),
        "",
        *_summary(h),
        h.note,
    ]
    return "\n".join(parts) + "\n"


def _md_table(head: list[str], rows: list[list[str]]) -> str:
    def cell(x: str) -> str:
        return x.replace("|", "\\|")

    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(cell(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def init_markdown(h: HandlerInit, level: int = 2) -> str:
    mh, mr = _memory_rows(h)
    ph, pr = _package_rows(h)
    hashes = "#" * level
    return (
        f"{hashes} Init of `{h.handler}` ({h.runtime} {h.arch})\n\n{_md_table(mh, mr)}\n\n"
        f"{_md_table(ph, pr)}\n\n" + "\n".join(f"- {line}" for line in _summary(h)) + f"\n\n*{h.note}*\n"
    )


def init_html(h: HandlerInit) -> str:
    from html import escape

    def table(head: list[str], rows: list[list[str]]) -> str:
        th = "".join(f"<th>{escape(x)}</th>" for x in head)
        body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in r) + "</tr>" for r in rows)
        return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"

    mh, mr = _memory_rows(h)
    ph, pr = _package_rows(h)
    items = "".join(f"<li>{escape(line)}</li>" for line in _summary(h))
    return (
        f'<section id="init"><h2>Init of {escape(h.handler)}</h2>{table(mh, mr)}'
        f"<h3>Per package at init</h3>{table(ph, pr)}"
        f'<ul>{items}</ul><p class="note">{escape(h.note)}</p></section>'
    )
