"""`layerbuild build --config`: build every layer of the plan through the normal pipeline and cache.

Each planned layer becomes a generated lock file of exactly its pins (with the hashes and index
options of the functions' own locks), built by `build.build_layer` like any requirements file, so slim
rules, bytecode, the cache and the report all apply. The plan, with each layer's zip path and its
built sizes, is written to `OUTPUT/plan.json` for `layerbuild publish --config`.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from layerbuild.build.pipeline import BuildResult, build_layer, output_dir
from layerbuild.config import BuildOptions
from layerbuild.model.lock import Lock, Pin
from layerbuild.model.target import Target
from layerbuild.plan.algorithm import plan_layers
from layerbuild.plan.model import LayerPlan, PlannedLayer
from layerbuild.resolve.lockfile import lock_text


@dataclass(frozen=True)
class PlanBuild:
    plan: LayerPlan
    results: dict[str, BuildResult]  # layer name -> its build
    plan_path: Path | None  # None for `--only` (one layer of the plan: plan.json would be partial)


def layer_lock(layer: PlannedLayer, locks: dict[str, Lock]) -> Lock:
    """The lock of one planned layer: its pins, taken from the locks of the functions that use it."""
    target = Target(layer.runtime, layer.arch)
    pins: list[Pin] = []
    from_source: set[str] = set()
    index_args: tuple[str, ...] = ()
    for package in layer.packages:
        hashes: list[str] = []
        base: Pin | None = None
        for fn in layer.functions:
            lock = locks.get(fn)
            pin = lock.get(package.name) if lock else None
            if lock is None or pin is None or (pin.version or "") != (package.version if pin.version else ""):
                continue
            base = base or pin
            hashes += [h for h in pin.hashes if h not in hashes]
            if package.name in lock.build_from_source:
                from_source.add(package.name)
            index_args = index_args or lock.index_args
        if base is None:
            raise AssertionError(f"{package.pin} of layer {layer.name} is in no function's lock")
        # Every pin of the layer is a root: its parents may live in another layer, and the runtime-provided
        # pruning must not mistake it for a dependency nobody here needs.
        pins.append(replace(base, hashes=tuple(hashes), required_by=(), direct=True))
    return Lock(target, tuple(pins), tuple(sorted(from_source)), index_args)


def _lock_file_text(lock: Lock) -> str:
    """The lock, plus the index options it was resolved with (kept in a private temporary file only)."""
    lines = [lock_text(lock)]
    args = list(lock.index_args)
    while args:
        opt = args.pop(0)
        lines.append(opt if opt == "--no-index" or not args else f"{opt} {args.pop(0)}")
    return "\n".join(lines) + "\n"


def build_planned_layers(
    plan: LayerPlan, locks: dict[str, Lock], options: BuildOptions, *, write_plan: bool = True
) -> PlanBuild:
    """Build each planned layer into `options.output` and write `plan.json` next to the zips."""
    from layerbuild.model.names import check_layer_name

    for layer in plan.layers:  # every name before any build: each becomes a folder and file names
        check_layer_name(layer.name, "the plan (layer names are made of --name and the function names)")
    out = output_dir(options.output)
    results: dict[str, BuildResult] = {}
    with tempfile.TemporaryDirectory(prefix="layerbuild-plan-") as tmp:
        os.chmod(tmp, 0o700)  # the generated files may name a private index
        for layer in plan.layers:
            lock = layer_lock(layer, locks)
            path = Path(tmp) / layer.name / "requirements.lock"
            path.parent.mkdir()
            path.write_text(_lock_file_text(lock))
            layer_options = replace(options, name=layer.name, runtime=layer.runtime, arch=layer.arch)
            results[layer.name] = build_layer(path, layer_options)
    if not write_plan:
        return PlanBuild(plan, results, None)
    from layerbuild.plan.plan_file import BuiltLayer, write_plan_file

    built = {
        name: BuiltLayer(r.zip_path, r.report_path, r.report.inventory.unzipped_bytes) for name, r in results.items()
    }
    plan_path, _ = write_plan_file(out, plan, built)
    return PlanBuild(plan, results, plan_path)


def build_from_config(
    config_path: str | Path | None,
    cli: dict[str, Any],
    sam_path: str | Path | None = None,
    *,
    only: tuple[str, str | None, str | None] | None = None,  # --only LAYER (with --runtime/--arch): one CI job
) -> PlanBuild:
    """Plan the config's functions (or the SAM template's, `build --sam`) and build every planned layer
    (or only the one `only` names: plan/matrix.py)."""
    from layerbuild.plan.inputs import gather_needs, load_specs
    from layerbuild.util.progress import warn

    specs, options = load_specs(config_path, sam_path, cli)
    gathered = gather_needs(specs, options)
    plan = plan_layers(gathered.needs, prefix=f"{options.name}-" if options.name else "")
    if only is not None:
        from layerbuild.plan.matrix import only_layer

        plan = only_layer(plan, *only)
    # Layer names come from the plan: a --name flag is only a prefix for them.
    result = build_planned_layers(plan, gathered.locks, replace(options, name=None), write_plan=only is None)
    if result.plan_path is None:
        return result
    data = json.loads(result.plan_path.read_text())
    for fn in data["functions"]:
        if fn["unzipped_bytes"] > plan.max_unzipped_bytes:
            warn(
                f"function {fn['name']} is {fn['unzipped_bytes']:,} bytes unzipped once built (slimming and "
                f"bytecode change sizes), over Lambda's {plan.max_unzipped_bytes:,}: try --bytecode none "
                "or --slim aggressive"
            )
    for fn in plan.functions:
        if fn.bundled:
            warn(
                f"function {fn.name} has no layer to spare: bundle {', '.join(p.pin for p in fn.bundled)} "
                "in its own package"
            )
    return result
