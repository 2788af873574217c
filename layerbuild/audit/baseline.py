"""Growth against a baseline: a previous report.json (or audit JSON) read, and each package compared."""

from __future__ import annotations

import json
from pathlib import Path

from layerbuild.audit.findings import Finding, GrowthRow, finding
from layerbuild.audit.settings import AuditSettings
from layerbuild.errors import InputError
from layerbuild.model.inventory import Inventory
from layerbuild.util.units import human_bytes


def load_baseline(path: Path) -> tuple[dict[str, int], int]:
    """({package: unzipped bytes}, total unzipped) from a report or audit JSON."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"baseline {path} does not exist: pass the report.json of a previous build") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"baseline {path} is not JSON ({exc}): pass a layerbuild report.json") from None
    packages = data.get("packages") if isinstance(data, dict) else None
    if not isinstance(packages, list) or not all(
        isinstance(p, dict) and "name" in p and isinstance(p.get("unzipped_bytes"), int) for p in packages
    ):
        raise InputError(
            f"baseline {path} has no packages list with unzipped_bytes: pass a layerbuild "
            "report.json (from build, report or audit --format json)"
        )
    sizes: dict[str, int] = {str(p["name"]): p["unzipped_bytes"] for p in packages}
    layer = data["layer"] if isinstance(data.get("layer"), dict) else {}
    total = layer.get("unzipped_bytes")
    return sizes, total if isinstance(total, int) else sum(sizes.values())


def check_growth(
    inv: Inventory, baseline: dict[str, int], baseline_total: int, s: AuditSettings
) -> tuple[list[GrowthRow], list[Finding]]:
    """One row per package (most growth first), and LB104/LB105/LB106 findings against --max-growth."""
    current = {d.name: d.unzipped_bytes for d in inv.distributions}
    rows = [GrowthRow(name, baseline.get(name), current.get(name)) for name in sorted(set(current) | set(baseline))]
    rows.sort(key=lambda r: (-r.delta, r.package))
    out = []
    t = s.max_growth
    if t is not None and t.exceeded(baseline_total, inv.unzipped_bytes):
        delta = inv.unzipped_bytes - baseline_total
        pct = f" (+{delta * 100.0 / baseline_total:.1f}%)" if baseline_total else ""
        top = [r for r in rows if r.delta > 0][:3]
        out.append(
            finding(
                "LB104",
                f"grew {human_bytes(baseline_total)} → {human_bytes(inv.unzipped_bytes)}, "
                f"+{human_bytes(delta)}{pct}, past --max-growth {t}; most growth: "
                + ", ".join(f"{r.package} +{human_bytes(r.delta)}" for r in top),
            )
        )
    for r in rows:
        if r.before is None and r.after:
            if t is not None and t.bytes is not None and r.after > t.bytes:
                out.append(
                    finding(
                        "LB105",
                        f"{r.package} is new and {human_bytes(r.after)}, past --max-growth {t}",
                        package=r.package,
                    )
                )
            else:
                out.append(finding("LB106", f"{r.package} is new ({human_bytes(r.after)})", package=r.package))
        elif t is not None and r.before is not None and r.after is not None and t.exceeded(r.before, r.after):
            pct = f" (+{r.percent:.1f}%)" if r.percent is not None else ""
            out.append(
                finding(
                    "LB105",
                    f"{r.package} grew {human_bytes(r.before)} → {human_bytes(r.after)}{pct}, past --max-growth {t}",
                    package=r.package,
                )
            )
    return rows, out
