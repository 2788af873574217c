"""The plan as CI fans it out: one job per planned layer (each layer has one runtime and architecture).

`github_matrix` is what `layerbuild plan --format github-matrix` prints, the JSON a GitHub Actions
`strategy.matrix` takes; `only_layer` is the layer `layerbuild build --config … --only NAME` builds,
the runtime/arch flags of the matrix entry checked against it (they select, they never re-plan: a
global --runtime would change the plan of every function that does not name its own).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from layerbuild.errors import InputError
from layerbuild.plan.model import LayerPlan


def github_matrix(plan: LayerPlan) -> dict[str, Any]:
    """`{"include": [{"layer": NAME, "runtime": …, "arch": …}, …]}`, in the plan's layer order."""
    return {"include": [{"layer": x.name, "runtime": x.runtime, "arch": x.arch} for x in plan.layers]}


def only_layer(plan: LayerPlan, name: str, runtime: str | None = None, arch: str | None = None) -> LayerPlan:
    """The plan cut to the one layer `name` (for runtime/arch when given); an InputError listing the
    planned layers when there is none."""
    found = [
        x
        for x in plan.layers
        if x.name == name and (runtime is None or x.runtime == runtime) and (arch is None or x.arch == arch)
    ]
    if not found:
        planned = ", ".join(f"{x.name} ({x.runtime} {x.arch})" for x in plan.layers) or "none"
        asked = " ".join(part for part in (name, runtime, arch) if part)
        raise InputError(
            f"--only {asked} names no planned layer (planned: {planned}): use a name `layerbuild plan` lists"
        )
    return replace(plan, layers=tuple(found))
