"""The handler's init as a CI gate: over a time budget (LB601), grown since a baseline (LB602), one package
taking a large share (LB603). The numbers come from measure/init/handler_init.py (medians of fresh
interpreters under Lambda's CPU share, and the same runs' empty-handler baseline).

Noise. A shared CI runner is slower at some moments than others; a gate that compares raw times flaps.
So the growth check compares medians, and first divides this run's init by how much slower this run's
empty handler was than the baseline's (the speed factor, clamped to 1-2: a slower runner can excuse a
growth, up to twice as slow; a faster-looking empty handler never inflates init, because that small
whole-process time scatters more than init itself: 1.00-1.37 on an unchanged layer whose raw medians
moved up to 12 %); and a growth only counts when it is also larger than the two runs'
half-spreads together (a change inside the runs' own scatter is not a change). The time budget (LB601) compares the
median with the budget as it is: a budget is what the user pays for, whatever the runner's mood. How
often the gate flapped on this machine is in docs/coldstart.md.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from layerbuild.audit.findings import Finding, finding
from layerbuild.audit.settings import AuditSettings
from layerbuild.errors import InputError
from layerbuild.model.handler_init import STDLIB, HandlerInit
from layerbuild.model.target import Target

SPEED_FACTOR_RANGE = (1.0, 2.0)  # see the module docstring


def load_init_baseline(path: Path) -> dict[int, dict[str, float]]:
    """{memory: {"init_ms", "baseline_ms", "spread_ms"}} from an audit JSON, a report JSON or a coldstart
    JSON holding the handler's init (its `init` key, or the coldstart JSON itself)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"baseline {path} cannot be read as JSON ({exc}): pass a previous audit JSON") from None
    init: Any = data.get("init", data) if isinstance(data, dict) else None
    memories = init.get("memories") if isinstance(init, dict) else None
    if not isinstance(memories, list) or not memories:
        raise InputError(
            f"baseline {path} holds no handler init: --max-init-growth needs the JSON of a previous "
            "`audit --code --handler --format json` (or `coldstart --format json`)"
        )
    out: dict[int, dict[str, float]] = {}
    for m in memories:
        if isinstance(m, dict) and isinstance(m.get("memory"), int) and isinstance(m.get("init_ms"), (int, float)):
            out[m["memory"]] = {
                "init_ms": float(m["init_ms"]),
                "baseline_ms": float(m.get("baseline_ms") or 0.0),
                "spread_ms": float(m.get("spread_ms") or 0.0),
            }
    return out


def speed_factor(now_baseline: float | None, then_baseline: float) -> float:
    """How much slower this run's empty handler was than the baseline's, clamped."""
    if not now_baseline or not then_baseline:
        return 1.0
    low, high = SPEED_FACTOR_RANGE
    return min(high, max(low, now_baseline / then_baseline))


def check_init(
    h: HandlerInit, s: AuditSettings, memory: int, baseline: dict[int, dict[str, float]] | None
) -> list[Finding]:
    out: list[Finding] = []
    m = h.at(memory)
    if m is None:
        return out
    how = "measured" if m.measured else "modelled"
    if s.max_init_ms is not None and m.init_ms > s.max_init_ms:
        out.append(
            finding(
                "LB601",
                f"init of {h.handler} takes {m.init_ms:,.0f} ms at {memory} MB ({how}, median of {len(m.runs_ms)} "
                f"runs), over --max-init-ms {s.max_init_ms:g}",
            )
        )
    if s.max_init_growth is not None and baseline is not None:
        then = baseline.get(memory)
        if then is None:
            raise InputError(
                f"the baseline has no init at {memory} MB (it has {', '.join(map(str, sorted(baseline)))} MB): "
                "audit at the same --memory"
            )
        factor = speed_factor(m.baseline_ms, then["baseline_ms"])
        now = m.init_ms / factor
        delta = now - then["init_ms"]
        noise = (m.spread_ms + then["spread_ms"]) / 2
        pct = delta * 100.0 / then["init_ms"] if then["init_ms"] else 0.0
        if pct > s.max_init_growth and delta > noise:
            out.append(
                finding(
                    "LB602",
                    f"init of {h.handler} at {memory} MB grew {then['init_ms']:,.0f} → {now:,.0f} ms (+{pct:.0f}%, "
                    f"this runner's speed factor {factor:.2f} taken out), past --max-init-growth {s.max_init_growth:g}%",
                )
            )
    if s.max_init_share is not None:
        total = sum(p.self_ms for p in h.packages)
        for p in h.packages:
            share = p.self_ms * 100.0 / total if total else 0.0
            if p.name != STDLIB and share > s.max_init_share:
                out.append(
                    finding(
                        "LB603",
                        f"{p.name} takes {share:.0f}% of {h.handler}'s init ({p.self_ms:,.0f} ms of "
                        f"{total:,.0f} ms import self time, {p.modules} modules), over --max-init-share "
                        f"{s.max_init_share:g}%",
                        package=p.name,
                    )
                )
    return out


@dataclass(frozen=True)
class InitRequest:
    """What `audit --code --handler` asks to measure."""

    code: str | None
    handler: str
    memory: int
    runs: int
    event: str | None
    timeout: float


def audit_init(
    req: InitRequest,
    path: Path,
    kind: str,
    layers: tuple[Path, ...],
    target: Target | None,
    s: AuditSettings,
    baseline: Path | None,
) -> tuple[HandlerInit, list[Finding], tuple[str, str, str | None] | None]:
    """Measure the handler's init with the audited package as its first layer (or as its code, for a
    function zip without --code), then judge it. Also the handler's source for LB501, when found."""
    from layerbuild.measure.init.handler_init import measure_handler_init
    from layerbuild.model.target import DEFAULT_ARCH, DEFAULT_RUNTIME
    from layerbuild.util.progress import note

    code: str | Path | None = req.code
    all_layers: list[str | Path] = [*layers]
    if code is None and kind == "function":
        code = path
    else:
        all_layers.insert(0, path)
    init_baseline = load_init_baseline(baseline) if (baseline is not None and s.max_init_growth is not None) else None
    h = measure_handler_init(
        code=code,
        handler=req.handler,
        layers=all_layers,
        target=target or Target(DEFAULT_RUNTIME, DEFAULT_ARCH),
        memory_sizes=(req.memory,),
        runs=req.runs,
        event=Path(req.event) if req.event else None,
        timeout=req.timeout,
        progress=note,
    )
    source = None
    module, _, function = req.handler.rpartition(".")
    candidate = Path(code) / f"{module}.py" if code is not None and Path(code).is_dir() else None
    if candidate is not None and candidate.is_file():
        source = (str(candidate), candidate.read_text(encoding="utf-8", errors="replace"), function)
    return h, check_init(h, s, req.memory, init_baseline), source
