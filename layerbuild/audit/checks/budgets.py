"""Size budgets: the unzipped and zipped limits (Lambda's by default) and per-package budgets."""

from __future__ import annotations

from layerbuild.audit.checks import site_path
from layerbuild.audit.findings import Finding, LayerSummary, finding
from layerbuild.audit.settings import AuditSettings
from layerbuild.model.inventory import Inventory
from layerbuild.util.units import human_bytes


def check_budgets(inv: Inventory, s: AuditSettings, layers: tuple[LayerSummary, ...], kind: str) -> list[Finding]:
    out = []
    total = inv.unzipped_bytes + sum(layer.unzipped_bytes for layer in layers)
    what = f"the {kind}" + (f" and its {len(layers)} layer(s)" if layers else "")
    budget_note = "Lambda's limit for a function and all its layers" if s.unzipped_is_default else "the budget"
    if total > s.max_unzipped:
        out.append(
            finding(
                "LB101",
                f"{what} unzip to {human_bytes(total)} ({total:,} bytes); "
                f"{budget_note} is {human_bytes(s.max_unzipped)} ({s.max_unzipped:,} bytes)",
            )
        )
    zipped = inv.zip_file_bytes
    if zipped > s.max_zipped:
        if s.zipped_is_default:
            # Over 50 MB a direct upload fails, but publishing through S3 works: a warning, not a failure.
            out.append(
                finding(
                    "LB102",
                    f"the {kind} is {human_bytes(zipped)} zipped; Lambda's direct-upload "
                    f"limit is {human_bytes(s.max_zipped)}: it must be published through S3",
                    severity="warning",
                )
            )
        else:
            out.append(
                finding(
                    "LB102", f"the {kind} is {human_bytes(zipped)} zipped; the budget is {human_bytes(s.max_zipped)}"
                )
            )
    for name, budget in s.max_package:
        d = inv.get(name)
        if d is not None and d.unzipped_bytes > budget:
            out.append(
                finding(
                    "LB103",
                    f"{d.name} {d.version or ''} unzips to {human_bytes(d.unzipped_bytes)}; "
                    f"its budget is {human_bytes(budget)}".replace("  ", " "),
                    file=site_path(d.site, d.top_level),
                    package=d.name,
                )
            )
    return out
