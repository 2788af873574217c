"""A function with its layers: at most 5 layers (LB402), no package in two of them (LB401)."""

from __future__ import annotations

from collections.abc import Sequence

from layerbuild.audit.checks import site_path
from layerbuild.audit.findings import Finding, finding
from layerbuild.facts.limits import MAX_LAYERS_PER_FUNCTION
from layerbuild.model.inventory import UNOWNED, Inventory


def check_layers(kind: str, inv: Inventory, layer_invs: Sequence[tuple[str, Inventory]]) -> list[Finding]:
    out = []
    count = len(layer_invs) + (1 if kind == "layer" else 0)
    if count > MAX_LAYERS_PER_FUNCTION:
        out.append(
            finding("LB402", f"{count} layers given; a Lambda function can use at most {MAX_LAYERS_PER_FUNCTION}")
        )
    seen: dict[str, tuple[str, str | None]] = {}
    own_label = "the function" if kind == "function" else "this layer"
    for d in inv.distributions:
        if d.name != UNOWNED:
            seen[d.name] = (own_label, d.version)
    for path, linv in layer_invs:
        for d in linv.distributions:
            if d.name == UNOWNED:
                continue
            if d.name in seen:
                where, version = seen[d.name]
                versions = f" ({version} vs {d.version})" if version != d.version else ""
                out.append(
                    finding(
                        "LB401",
                        f"{d.name} is in {where} and in layer {path}{versions}",
                        package=d.name,
                        file=site_path(d.site, d.top_level),
                        severity="error" if versions else None,
                    )
                )
            else:
                seen[d.name] = (f"layer {path}", d.version)
    return out
