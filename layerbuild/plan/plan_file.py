"""plan.json, the one codec: the plan as JSON (`layerbuild plan --format json`), written with each
layer's zip and built sizes by `layerbuild build --config` (`OUTPUT/plan.json`), read back by
`layerbuild publish --config` to know which zip is which layer.

Schema version 1; fields are only ever added. Each layer entry of a built plan carries `zip` (absolute,
so any command can read it from any folder) and `zip_name` (the file next to plan.json, for when the
output folder was moved, e.g. downloaded as a CI artifact).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from layerbuild.errors import InputError
from layerbuild.facts.limits import MAX_DIRECT_UPLOAD_ZIPPED_BYTES
from layerbuild.plan.model import LayerPlan

SCHEMA_VERSION = 1
PLAN_FILE = "plan.json"


def plan_dict(plan: LayerPlan) -> dict[str, Any]:
    """The plan JSON."""
    return {
        "schema_version": SCHEMA_VERSION,
        "limits": {
            "layers_per_function": plan.max_layers,
            "unzipped_bytes": plan.max_unzipped_bytes,
            "direct_upload_zipped_bytes": MAX_DIRECT_UPLOAD_ZIPPED_BYTES,
        },
        "layers": [
            {
                "name": layer.name,
                "kind": layer.kind,
                "runtime": layer.runtime,
                "arch": layer.arch,
                "packages": [p.name for p in layer.packages],
                "pins": [p.pin for p in layer.packages],
                "functions": list(layer.functions),
                "package_users": {name: list(users) for name, users in layer.package_users},
                "unzipped_bytes": layer.unzipped_bytes,
                "zipped_bytes": layer.zipped_bytes,
                "needs_s3": layer.needs_s3,
                "why": layer.why,
            }
            for layer in plan.layers
        ],
        "functions": [
            {
                "name": f.name,
                "runtime": f.runtime,
                "arch": f.arch,
                "layers": list(f.layers),
                "existing_layers": list(f.existing_layers),
                "layer_count": f.layer_count,
                "bundled": [p.pin for p in f.bundled],
                "code_bytes": f.code_bytes,
                "unzipped_bytes": f.unzipped_bytes,
                "unused_bytes": f.unused_bytes,
            }
            for f in plan.functions
        ],
        "not_shared": [{"package": n.package, "reason": n.reason} for n in plan.not_shared],
    }


@dataclass(frozen=True)
class BuiltLayer:
    """What `build --config` made of one planned layer."""

    zip_path: Path
    report_path: Path
    unzipped_bytes: int  # as built (slimming and bytecode change the planned size)


def built_plan_dict(plan: LayerPlan, built: Mapping[str, BuiltLayer]) -> dict[str, Any]:
    """The plan JSON with each layer's zip and its built sizes, and each function's size from them."""
    data = plan_dict(plan)
    for entry in data["layers"]:
        layer = built[entry["name"]]
        zipped = layer.zip_path.stat().st_size
        entry.update(
            {
                "zip": str(layer.zip_path.resolve()),
                "zip_name": layer.zip_path.name,
                "report": str(layer.report_path.resolve()),
                "planned_unzipped_bytes": entry["unzipped_bytes"],
                "unzipped_bytes": layer.unzipped_bytes,
                "zipped_bytes": zipped,
                "needs_s3": zipped > MAX_DIRECT_UPLOAD_ZIPPED_BYTES,
            }
        )
    by_name = {f.name: f for f in plan.functions}
    for entry in data["functions"]:
        fn = by_name[entry["name"]]
        bundled = sum(p.unzipped_bytes for p in fn.bundled)
        entry["unzipped_bytes"] = fn.code_bytes + bundled + sum(built[name].unzipped_bytes for name in fn.layers)
    return data


def write_plan_file(folder: Path, plan: LayerPlan, built: Mapping[str, BuiltLayer]) -> tuple[Path, dict[str, Any]]:
    """`folder/plan.json` written atomically; returns its path and what it holds."""
    from layerbuild.util.atomic import write_atomic

    data = built_plan_dict(plan, built)
    text = json.dumps(data, indent=2) + "\n"
    path = folder / PLAN_FILE
    write_atomic(path, lambda t: t.write_text(text))
    return path, data


class PlannedZip(NamedTuple):
    """One layer of a built plan: its name, its zip, and the target the plan says it is for."""

    name: str
    zip: Path
    runtime: str | None
    arch: str | None


def read_plan_file(plan_path: Path) -> list[PlannedZip]:
    """Every layer of a plan written by `layerbuild build --config`; refused in one line when it is not one."""
    if not plan_path.is_file():
        raise InputError(f"no build plan at {plan_path}: run `layerbuild build --config …` first (or pass --plan PATH)")
    try:
        plan = json.loads(plan_path.read_text(encoding="utf-8"))
        entries = plan["layers"]
        if not isinstance(entries, list):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        raise InputError(
            f'{plan_path} is not a layerbuild plan (no "layers" list): rebuild it with `layerbuild build --config …`'
        ) from None
    layers = []
    for entry in entries:
        if not isinstance(entry, dict) or not entry.get("name") or not (entry.get("zip") or entry.get("zip_name")):
            raise InputError(
                f'{plan_path}: a layer entry has no "name" or "zip": rebuild it with `layerbuild build --config …`'
            )
        # "zip" is where the build wrote it; "zip_name" the file next to plan.json: the first that exists wins.
        given = Path(entry.get("zip") or entry["zip_name"])
        candidates = [given, plan_path.parent / given, plan_path.parent / (entry.get("zip_name") or given.name)]
        zip_path = next((c for c in candidates if c.is_file()), given)
        layers.append(PlannedZip(str(entry["name"]), zip_path, entry.get("runtime"), entry.get("arch")))
    if not layers:
        raise InputError(f"{plan_path} lists no layers: nothing to publish")
    return layers
