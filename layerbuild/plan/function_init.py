"""What `layerbuild coldstart --sam TEMPLATE` measures: a function of the template (its CodeUri folder,
Handler, Runtime, Architectures, MemorySize, with Globals.Function), and, with `--plan PLAN.json`, the
layer zips `build --sam`/`build --config` planned and built for it, in the plan's order.

Only what CloudFormation need not evaluate is read (literals, `!Ref` to a parameter with a Default);
anything else is one line naming the property.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from layerbuild.errors import InputError
from layerbuild.plan.sam import FUNCTION_TYPE, _resolve, read_template


@dataclass(frozen=True)
class FunctionInit:
    name: str
    code: Path
    handler: str
    runtime: str | None
    arch: str | None
    memory: int | None


def sam_function(template: Path, name: str | None) -> FunctionInit:
    """The template's function `name` (its logical ID), or its only Python zip function."""
    data = read_template(template)
    params: dict[str, Any] = data["Parameters"] if isinstance(data.get("Parameters"), dict) else {}
    globals_fn = (data.get("Globals") or {}).get("Function") or {}
    found = {
        str(k): v.get("Properties") or {}
        for k, v in data["Resources"].items()
        if isinstance(v, dict) and v.get("Type") == FUNCTION_TYPE
    }
    if name is None:
        if len(found) != 1:
            raise InputError(f"{template} has {len(found)} functions: name one with --function ({', '.join(found)})")
        name = next(iter(found))
    if name not in found:
        raise InputError(f"{template} has no function {name!r} (it has {', '.join(found) or 'none'})")
    props = found[name]

    def prop(key: str) -> Any:
        raw = props[key] if key in props else globals_fn.get(key)
        value = _resolve(raw, params)
        if raw is not None and value is None:
            raise InputError(f"{template} {name}: {key} cannot be read without CloudFormation: write it literally")
        return value

    handler = prop("Handler")
    if not isinstance(handler, str) or not handler:
        raise InputError(f"{template} {name}: no Handler: add Handler: app.handler")
    code_uri = prop("CodeUri") or "."
    code = (template.resolve().parent / str(code_uri)).expanduser()
    if not code.exists():
        raise InputError(f"{template} {name}: CodeUri {code_uri!r} is not a folder or zip next to the template")
    archs = prop("Architectures")
    arch = archs[0] if isinstance(archs, list) and archs else None
    memory = prop("MemorySize")
    return FunctionInit(name, code, handler, prop("Runtime"), arch, int(memory) if memory else None)


def planned_layers(plan_path: Path, function: str) -> list[Path]:
    """The built layer zips the plan gives `function`, in order."""
    from layerbuild.plan.plan_file import read_plan_file

    zips = {layer.name: layer.zip for layer in read_plan_file(plan_path)}
    data = json.loads(plan_path.read_text(encoding="utf-8"))
    entry = next((f for f in data.get("functions", []) if isinstance(f, dict) and f.get("name") == function), None)
    if entry is None:
        raise InputError(
            f"{plan_path} plans no function {function!r}: run `layerbuild build --sam …` for this template"
        )
    return [zips[name] for name in entry.get("layers", []) if name in zips]
