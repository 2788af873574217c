"""`layerbuild plan --sam template.yaml --write-template OUT.yaml`: the template, wired to the built layers.

OUT is a copy of the template (sam_document.py keeps comments, key order and intrinsics) with
- one `AWS::Serverless::LayerVersion` per planned layer: `ContentUri` is the built zip (relative to OUT's
  folder), `CompatibleRuntimes`, `CompatibleArchitectures`, `RetentionPolicy: Retain` (a published version
  stays while old function versions may still use it);
- each function's `Layers`: its planned layers (`!Ref`), then the layers it already had, in SAM's order
  (`Globals.Function.Layers` first, then its own). Globals' layers are moved into every function's own
  list, since SAM puts Globals' list *before* a function's and the planned layers must come first;
- each function whose dependencies went to layers built from a staged copy of its code without its
  dependency manifest (sam_stage.py), so `sam build` installs nothing into it a second time;
- every other local path (facts/sam_paths.py) rewritten relative to OUT's folder.
Refused in one line: a function layers cannot reach (container image, code in S3, its own Makefile), a
`Layers` that is not a list, and a function left with more than 5 layers.
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from layerbuild.errors import InputError
from layerbuild.facts.limits import MAX_LAYERS_PER_FUNCTION
from layerbuild.facts.sam_paths import PYTHON_BUILD_METHODS, RESOURCES_WITH_LOCAL_PATHS
from layerbuild.integrations.sam_document import Document, describe, is_intrinsic, load_document
from layerbuild.plan.functions import FunctionSpec
from layerbuild.plan.model import LayerPlan, PlannedLayer

FUNCTION_TYPE = "AWS::Serverless::Function"
LAYER_TYPE = "AWS::Serverless::LayerVersion"


@dataclass(frozen=True)
class Written:
    template: Path
    layers: dict[str, str]  # planned layer name -> its logical ID in OUT
    staged: dict[str, Path]  # function logical ID -> its staged code folder


def layer_logical_id(name: str, taken: set[str]) -> str:
    """`shared-1` -> `Shared1Layer`: letters and digits only (CloudFormation's rule), unique in the template."""
    base = "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", name) if part) + "Layer"
    found, n = base, 2
    while found in taken:
        found, n = f"{base}{n}", n + 1
    taken.add(found)
    return found


def _relative(path: Path, folder: Path) -> str:
    return Path(os.path.relpath(path.resolve(), folder.resolve())).as_posix()


def _refuse_unreachable(logical_id: str, props: Mapping[str, Any], globals_fn: Mapping[str, Any], where: str) -> None:
    """Functions whose package layerbuild cannot change: one line saying what to do."""

    def prop(key: str) -> Any:
        return props[key] if key in props else globals_fn.get(key)

    if prop("PackageType") == "Image":
        raise InputError(
            f"{where}: function {logical_id} is a container image (PackageType: Image), which cannot use layers: "
            "put its dependencies in the image, or move it to another template before --write-template"
        )
    code = prop("CodeUri")
    if (isinstance(code, str) and code.startswith("s3://")) or (
        isinstance(code, Mapping) and not is_intrinsic(code) and ("Bucket" in code or "Key" in code)
    ):
        raise InputError(
            f"{where}: function {logical_id} has its code in S3 (CodeUri {describe(code)}), so layerbuild cannot "
            "take its dependencies out: give it a local CodeUri folder, or move it to another template"
        )


def _layers_list(value: Any, logical_id: str, where: str, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list) or is_intrinsic(value):  # `!If [c, [a], [b]]` is a list in YAML too
        raise InputError(f"{where}: {what} of {logical_id} is {describe(value)}, not a list: write it as a list")
    return list(value)


def _rewrite_paths(resources: Mapping[str, Any], globals_fn: Any, src: Path, dest: Path, skip: set[str]) -> None:
    """Local paths relative to the template's folder, made relative to OUT's (as `sam build` does)."""

    def moved(value: Any) -> Any:
        if not isinstance(value, str) or is_intrinsic(value) or "://" in value or os.path.isabs(value):
            return value
        return _relative(src / value, dest)

    if src.resolve() == dest.resolve():
        return
    if isinstance(globals_fn, dict) and "CodeUri" in globals_fn:
        globals_fn["CodeUri"] = moved(globals_fn["CodeUri"])
    for logical_id, resource in resources.items():
        if logical_id in skip or not isinstance(resource, dict) or not isinstance(resource.get("Properties"), dict):
            continue
        for dotted in RESOURCES_WITH_LOCAL_PATHS.get(str(resource.get("Type")), ()):
            *parents, key = dotted.split(".")
            node = resource["Properties"]
            for part in parents:
                node = node.get(part) if isinstance(node, dict) else None
            if isinstance(node, dict) and key in node:
                node[key] = moved(node[key])


def wire_template(
    doc: Document,
    template: Path,
    out: Path,
    plan: LayerPlan,
    zips: Mapping[str, Path],
    staged: Mapping[str, Path],
) -> dict[str, str]:
    """Change `doc` in place as the module docstring says; returns layer name -> logical ID."""
    data = doc.data
    resources = data["Resources"]
    where = str(template)
    globals_all = data.get("Globals") if isinstance(data.get("Globals"), dict) else None
    globals_fn = globals_all.get("Function") if globals_all is not None else None
    globals_fn = globals_fn if isinstance(globals_fn, dict) else {}
    functions = {k: r for k, r in resources.items() if isinstance(r, dict) and r.get("Type") == FUNCTION_TYPE}
    for logical_id, resource in functions.items():
        props: dict[str, Any] = resource["Properties"] if isinstance(resource.get("Properties"), dict) else {}
        _refuse_unreachable(logical_id, props, globals_fn, where)
        method = (
            (resource.get("Metadata") or {}).get("BuildMethod") if isinstance(resource.get("Metadata"), dict) else None
        )
        if logical_id in staged and method is not None and str(method) not in PYTHON_BUILD_METHODS:
            raise InputError(
                f"{where}: function {logical_id} is built by Metadata BuildMethod {method}, which layerbuild cannot "
                "keep from installing its dependencies: remove the BuildMethod (SAM's python builder is used)"
            )
    out_dir = out.resolve().parent
    _rewrite_paths(resources, globals_fn, template.resolve().parent, out_dir, skip=set(staged))
    taken = set(map(str, resources))
    ids: dict[str, str] = {}
    # The planned layers go before the first function, where a reader of the template looks for them.
    position = next((i for i, k in enumerate(resources) if k in functions), len(resources))
    for layer in plan.layers:
        ids[layer.name] = layer_logical_id(layer.name, taken)
        resource = _layer_resource(doc, layer, _relative(zips[layer.name], out_dir))
        doc.insert(resources, position, ids[layer.name], resource, f"layerbuild: planned layer {layer.name}")
        position += 1
    global_seq = globals_fn.get("Layers")
    global_layers = _layers_list(global_seq, "Globals.Function", where, "Layers")
    if "Layers" in globals_fn:
        del globals_fn["Layers"]  # moved into each function, after its planned layers
        if globals_all is not None and not globals_fn:
            del globals_all["Function"]
            if not globals_all:
                del data["Globals"]
    planned = {f.name: f for f in plan.functions}
    for logical_id, resource in functions.items():
        props = resource.setdefault("Properties", doc.mapping({}))
        _layers_list(props.get("Layers"), logical_id, where, "Layers")  # a list, or refused
        layers = props["Layers"] if "Layers" in props else doc.sequence([])  # its own, with their comments
        # A copy of Globals' for each function (YAML would share one node by an anchor), comments included.
        doc.prepend(layers, copy.deepcopy(global_layers), comments_of=global_seq)
        fn = planned.get(str(logical_id))
        mine = [doc.ref(ids[name]) for name in fn.layers] if fn else []
        doc.prepend(layers, mine)
        if len(layers) > MAX_LAYERS_PER_FUNCTION:
            raise InputError(
                f"{where}: function {logical_id} would have {len(layers)} layers ({len(mine)} planned + "
                f"{len(layers) - len(mine)} it has), over Lambda's {MAX_LAYERS_PER_FUNCTION}: drop one of its "
                "layers from the template (the plan counts them) and plan again"
            )
        if logical_id in staged:
            doc.insert(props, 0, "CodeUri", _relative(staged[logical_id], out_dir))
        if layers and "Layers" not in props:
            keys = list(props)
            after = [keys.index(k) + 1 for k in ("CodeUri", "Handler", "Runtime") if k in keys]
            doc.insert(props, max(after, default=len(keys)), "Layers", layers)
    return ids


def _layer_resource(doc: Document, layer: PlannedLayer, content_uri: str) -> Any:
    pins = ", ".join(p.pin for p in layer.packages)
    description = f"layerbuild {layer.kind} layer for {', '.join(layer.functions)}: {pins}"
    if len(description) > 256:  # Lambda's limit for a layer's description
        description = description[:255] + "…"
    return doc.mapping(
        {
            "Type": LAYER_TYPE,
            "Properties": doc.mapping(
                {
                    "LayerName": layer.name,
                    "Description": description,
                    "ContentUri": content_uri,
                    "CompatibleRuntimes": doc.sequence([layer.runtime]),
                    "CompatibleArchitectures": doc.sequence([layer.arch]),
                    "RetentionPolicy": "Retain",
                }
            ),
        }
    )


def check_template(template: Path, out: Path) -> Document:
    """What can be refused before planning: OUT's path, and functions no layer can reach."""
    if out.resolve() == template.resolve():
        raise InputError(f"--write-template {out} is the template itself: write the copy to another path")
    if out.exists() and out.is_dir():
        raise InputError(f"--write-template {out} is a folder: name the template file to write, e.g. out/template.yaml")
    doc = load_document(template)
    globals_all = doc.data.get("Globals")
    globals_fn = globals_all.get("Function") if isinstance(globals_all, dict) else None
    globals_fn = globals_fn if isinstance(globals_fn, dict) else {}
    where = str(template)
    global_layers = _layers_list(globals_fn.get("Layers"), "Globals.Function", where, "Layers")
    for logical_id, resource in doc.data["Resources"].items():
        if isinstance(resource, dict) and resource.get("Type") == FUNCTION_TYPE:
            props = resource.get("Properties")
            props = props if isinstance(props, dict) else {}
            _refuse_unreachable(str(logical_id), props, globals_fn, where)
            has = len(global_layers) + len(_layers_list(props.get("Layers"), str(logical_id), where, "Layers"))
            if has > MAX_LAYERS_PER_FUNCTION:
                raise InputError(
                    f"{where}: function {logical_id} already has {has} layers (Globals' and its own), over "
                    f"Lambda's {MAX_LAYERS_PER_FUNCTION}: remove some before --write-template adds any"
                )
    return doc


def write_template(
    template: Path, out: Path, plan: LayerPlan, zips: Mapping[str, Path], specs: tuple[FunctionSpec, ...]
) -> Written:
    """Write OUT (and the staged code beside it): everything checked before anything is written."""
    from layerbuild.integrations.sam_stage import stage_folder, stage_functions
    from layerbuild.util.atomic import write_atomic

    doc = check_template(template, out)
    moved = {f.name for f in plan.functions if f.layers or f.bundled}
    root = stage_folder(out)
    staged = {s.name: root / s.name for s in specs if s.name in moved and s.code is not None}
    ids = wire_template(doc, template, out, plan, zips, staged)  # may refuse: nothing is written yet
    text = doc.dumps()
    out.parent.mkdir(parents=True, exist_ok=True)
    # Never copy our own output into a function: staged code, the layers, OUT and its folder (when inside the code).
    skip = (root, out.resolve(), out.resolve().parent, *{z.parent for z in zips.values()})
    stage_functions(root, [s for s in specs if s.name in staged], plan, skip=skip)
    write_atomic(out, lambda t: t.write_text(text, encoding="utf-8"))
    return Written(out, ids, staged)
