"""The zips `layerbuild build --sam` (or `--config`) made for a plan, read from its `plan.json`.

`plan --write-template` plans again (the resolutions and sizes come from the caches) and takes each
layer's zip from the built plan only when that layer has the same name, target and pins there: a template
never points at a zip built from other pins. Anything missing or different is one line saying to build first.
"""

from __future__ import annotations

import json
from pathlib import Path

from layerbuild.errors import InputError
from layerbuild.plan.model import LayerPlan
from layerbuild.plan.plan_file import read_plan_file


def built_zips(plan: LayerPlan, plan_path: Path, build_command: str) -> dict[str, Path]:
    """Planned layer name -> its built zip; refused when plan.json was built for another plan."""
    zips = {z.name: z for z in read_plan_file(plan_path)}
    entries = {e.get("name"): e for e in json.loads(plan_path.read_text(encoding="utf-8"))["layers"]}
    found: dict[str, Path] = {}
    for layer in plan.layers:
        entry, built = entries.get(layer.name), zips.get(layer.name)
        same = (
            entry is not None
            and built is not None
            and sorted(entry.get("pins") or []) == sorted(p.pin for p in layer.packages)
            and (entry.get("runtime"), entry.get("arch")) == (layer.runtime, layer.arch)
        )
        if not same or built is None:
            raise InputError(
                f"{plan_path} has no build of layer {layer.name} as planned now (its pins or target differ, "
                f"or it is missing): run `{build_command}` first"
            )
        if not built.zip.is_file():
            raise InputError(f"{built.zip} (layer {layer.name}) does not exist: run `{build_command}` again")
        found[layer.name] = built.zip
    return found
