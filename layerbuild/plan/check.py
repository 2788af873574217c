"""A plan checked against what the functions need: each package of a closure exactly once, at its
version, and every function within the layer and size limits. Used by tests and the benchmark."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from layerbuild.plan.model import FunctionNeeds, LayerPlan


def check_plan(plan: LayerPlan, functions: Sequence[FunctionNeeds]) -> list[str]:
    """Problems with a plan, as sentences (none for a good plan): every function sees each package of
    its closure exactly once and at its version, and stays within the layer and size limits."""
    problems = []
    layer_by_name = {layer.name: layer for layer in plan.layers}
    for fn in functions:
        pf = plan.function(fn.name)
        seen: dict[str, list[str]] = defaultdict(list)
        for layer_name in pf.layers:
            for p in layer_by_name[layer_name].packages:
                seen[p.name].append(p.version)
        for p in pf.bundled:
            seen[p.name].append(p.version)
        for p in fn.packages:
            if seen.get(p.name) != [p.version]:
                problems.append(f"{fn.name} sees {p.name} as {seen.get(p.name, [])}, needs [{p.version}]")
        for name, vs in seen.items():
            if len(vs) > 1:
                problems.append(f"{fn.name} gets {name} more than once: {vs}")
        if pf.layer_count > plan.max_layers:
            problems.append(f"{fn.name} has {pf.layer_count} layers")
        if pf.unzipped_bytes > plan.max_unzipped_bytes:
            problems.append(f"{fn.name} is {pf.unzipped_bytes} bytes")
    return problems
