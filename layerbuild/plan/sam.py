"""Find the Python functions of a SAM template: their code, requirements, runtime, architecture, layers.

Reads `AWS::Serverless::Function` resources (and `Globals.Function`, which SAM applies to every
function: scalars are defaults, `Layers` lists are prepended to each function's own list).
CloudFormation's short-form tags (`!Ref`, `!Sub`, `!GetAtt`, `!If`, `!Join`, …) are read as their long
forms (`{"Ref": …}`, `{"Fn::Sub": …}`), so any valid template parses; a `!Ref` to a template
parameter takes that parameter's `Default`. PyYAML is imported only when a template is read.

Functions that are not ours to plan are skipped with a note: container images (`PackageType: Image`),
inline code, code in S3 (`CodeUri` with `Bucket`/`Key`), and runtimes other than Python.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from layerbuild.config import BuildOptions
from layerbuild.errors import InputError
from layerbuild.facts.runtimes import ARCHITECTURES, RUNTIMES
from layerbuild.model.names import is_layer_name
from layerbuild.plan.functions import FunctionSpec

FUNCTION_TYPE = "AWS::Serverless::Function"
REQUIREMENTS_FILE = "requirements.txt"  # what `sam build` installs for a Python function


def _loader() -> tuple[type[Any], type[Exception]]:
    import yaml

    class CloudFormationLoader(yaml.SafeLoader):
        """SafeLoader that reads every `!Tag` as CloudFormation's long form instead of failing."""

    def construct_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        elif isinstance(node, yaml.MappingNode):
            value = loader.construct_mapping(node, deep=True)
        else:
            raise yaml.constructor.ConstructorError(None, None, f"unexpected node for !{suffix}", node.start_mark)
        if suffix == "Ref":
            return {"Ref": value}
        if suffix == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
        return {f"Fn::{suffix}": value}

    CloudFormationLoader.add_multi_constructor("!", construct_tag)
    return CloudFormationLoader, yaml.YAMLError


def read_template(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise InputError(f"SAM template {path} does not exist: check the --sam path")
    loader, yaml_error = _loader()
    try:
        import yaml

        data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 - a SafeLoader subclass
    except yaml_error as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(f"{path} is not valid YAML{where} ({problem}): fix the template") from None
    except UnicodeDecodeError:
        raise InputError(f"{path} is not UTF-8 text: save the template as UTF-8") from None
    if not isinstance(data, dict) or not isinstance(data.get("Resources"), dict):
        raise InputError(f"{path} has no Resources section: is it a SAM/CloudFormation template?")
    return data


def _resolve(value: Any, params: dict[str, Any]) -> Any:
    """A literal, or a `!Ref` to a parameter with a Default; None when only CloudFormation can tell."""
    if isinstance(value, dict) and set(value) == {"Ref"} and isinstance(value["Ref"], str):
        param = params.get(value["Ref"])
        return param.get("Default") if isinstance(param, dict) else None
    if isinstance(value, dict):
        return None
    return value


def _describe(value: Any) -> str:
    """A short text for an unresolved intrinsic, e.g. `!Ref SharedLayer`."""
    if isinstance(value, dict) and len(value) == 1:
        ((key, inner),) = value.items()
        tag = "!" + key.replace("Fn::", "")
        return f"{tag} {inner if isinstance(inner, str) else '…'}"
    return str(value)


def _manifest_of(code: Path) -> Path | None:
    """What a function's CodeUri folder is built from: its requirements.txt, or a pyproject/uv/Poetry/Pipenv
    project (resolve/inputs, found in DISCOVERY_ORDER), whatever `Metadata: BuildMethod` says (a `makefile`
    function's folder is read the same way); None when it holds none."""
    from layerbuild.resolve.inputs import find_manifest, has_manifest

    if not has_manifest(code):
        return None
    kind, file = find_manifest(code)
    return file if kind == "requirements" else code


def functions_from_sam(path: Path, options: BuildOptions) -> tuple[FunctionSpec, ...]:
    """The template's Python zip functions, each with its requirements.txt or project (if any) and target."""
    from layerbuild.util.progress import note

    data = read_template(path)
    params: dict[str, Any] = data["Parameters"] if isinstance(data.get("Parameters"), dict) else {}
    globals_fn = (data.get("Globals") or {}).get("Function") or {}
    if not isinstance(globals_fn, dict):
        raise InputError(f"{path}: Globals.Function must be a mapping")
    base = path.resolve().parent
    specs = []
    for logical_id, resource in data["Resources"].items():
        if not isinstance(resource, dict) or resource.get("Type") != FUNCTION_TYPE:
            continue
        props = resource.get("Properties") or {}
        if not isinstance(props, dict):
            raise InputError(f"{path}: {logical_id}.Properties must be a mapping")
        where = f"{path} {logical_id}"
        if not is_layer_name(str(logical_id)):
            # CloudFormation allows only A-Za-z0-9 here; the name becomes part of layer and file names.
            raise InputError(
                f"{path}: function {str(logical_id)!r} is not a valid logical ID: use letters "
                "and digits only (CloudFormation's rule)"
            )

        def prop(key: str) -> Any:
            return props[key] if key in props else globals_fn.get(key)  # noqa: B023 - used in this iteration

        if _resolve(prop("PackageType"), params) == "Image":
            note(f"{where}: container image function, skipped (layers do not apply)")
            continue
        if "InlineCode" in props:
            note(f"{where}: inline code, skipped")
            continue
        runtime = _resolve(prop("Runtime"), params)
        if prop("Runtime") is None:
            raise InputError(f"{where}: no Runtime (nor Globals.Function.Runtime): add Runtime: python3.12")
        if runtime is None:
            raise InputError(
                f"{where}: Runtime is {_describe(prop('Runtime'))}, which has no Default to read: "
                "give the parameter a Default or write the runtime"
            )
        if not str(runtime).startswith("python"):
            note(f"{where}: runtime {runtime} is not Python, skipped")
            continue
        if runtime not in RUNTIMES:
            raise InputError(
                f"{where}: Runtime {runtime!r} is not a Lambda Python runtime layerbuild builds for "
                f"(choose one of {', '.join(RUNTIMES)})"
            )
        archs = prop("Architectures")
        arch = options.arch
        if archs is not None:
            resolved = _resolve(archs, params)
            if isinstance(resolved, list) and len(resolved) == 1:
                resolved = _resolve(resolved[0], params)
            if not isinstance(resolved, str) or resolved not in ARCHITECTURES:
                raise InputError(f"{where}: Architectures must be [x86_64] or [arm64], not {archs!r}")
            arch = resolved
        code_uri = prop("CodeUri")
        if isinstance(code_uri, dict) and not ("Ref" in code_uri and _resolve(code_uri, params)):
            note(f"{where}: CodeUri is not a local folder ({_describe(code_uri)}), skipped")
            continue
        code_uri = _resolve(code_uri, params) if code_uri is not None else "."
        if not isinstance(code_uri, str):
            raise InputError(f"{where}: CodeUri must be a folder path, not {code_uri!r}")
        if code_uri.startswith("s3://"):
            note(f"{where}: CodeUri is in S3, skipped")
            continue
        code = (base / code_uri).expanduser()
        if not code.is_dir():
            raise InputError(f"{where}: CodeUri {code_uri!r} is not a folder next to the template ({code})")
        layers: list[str] = []
        for source in (globals_fn.get("Layers"), props.get("Layers")):
            if source is None:
                continue
            if not isinstance(source, list):
                raise InputError(f"{where}: Layers must be a list")
            layers += [x if isinstance(x, str) else _describe(x) for x in source]
        specs.append(
            FunctionSpec(
                name=logical_id,
                requirements=_manifest_of(code),
                runtime=runtime,
                arch=arch,
                layers=tuple(layers),
                code=code,
                source=where,
            )
        )
    if not specs:
        raise InputError(f"{path} has no Python {FUNCTION_TYPE} with local code: nothing to plan")
    return tuple(specs)
