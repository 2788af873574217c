"""The functions to plan layers for: `[tool.layerbuild.functions.NAME]` (or `[functions.NAME]` in
layerbuild.toml), checked, relative paths resolved against the config file's folder.

Each table holds:
  requirements = "path"          (required; relative to the config file's folder)
  layers = ["arn:…", …]          (optional; existing layers the function keeps: they count toward 5)
  code = "path"                  (optional; the function's own code folder, measured toward the
                                  250 MB limit; default: the requirements file's folder)
  runtime = "python3.11"         (optional) and arch = "arm64" (optional).
A function's own runtime/arch (from its table, or from a SAM template's Runtime/Architectures and
Globals) beats the global setting from every source of `config.py`, flags included: it says where that
function really runs, and a layer built for another runtime would not load there. Functions that do not
say get the merged global runtime/arch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from layerbuild.config import BuildOptions, coerce_option
from layerbuild.errors import InputError

# Keys of one `[functions.NAME]` table and what each must be.
FUNCTION_KEYS = ("requirements", "layers", "code", "runtime", "arch")
_FUNCTION_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # also a valid part of a Lambda layer name


@dataclass(frozen=True)
class FunctionSpec:
    """One Lambda function to plan layers for: where its requirements and code are, where it runs."""

    name: str
    requirements: Path | None  # None: the function has no dependencies of its own
    runtime: str
    arch: str
    layers: tuple[str, ...] = ()  # existing layer ARNs (or template references) it keeps
    code: Path | None = None  # its own code folder, measured toward the unzipped limit
    source: str = ""  # where it was declared, for messages


def load_functions(table: dict[str, Any], config_path: Path | None, options: BuildOptions) -> tuple[FunctionSpec, ...]:
    """The `functions` section of a config table, checked: paths exist, keys and values are known."""
    raw = table.get("functions")
    if raw is None:
        return ()
    where = (
        f"{config_path} [tool.layerbuild.functions]"
        if config_path and config_path.name == "pyproject.toml"
        else f"{config_path} [functions]"
    )
    if not isinstance(raw, dict):
        raise InputError(f"{where}: functions must be a table of [functions.NAME] tables")
    base = config_path.resolve().parent if config_path else Path.cwd()
    specs = []
    for name, body in raw.items():
        here = f"{where[:-1]}.{name}]"
        if not _FUNCTION_NAME.match(name):
            raise InputError(
                f"{here}: function name {name!r} must be 1-64 letters, digits, - or _ (it becomes part of layer names)"
            )
        if not isinstance(body, dict):
            raise InputError(f'{here}: must be a table with requirements = "path"')
        for key in body:
            if key not in FUNCTION_KEYS:
                raise InputError(f"{here}: unknown key {key!r} (known: {', '.join(FUNCTION_KEYS)})")
        req = body.get("requirements")
        if not isinstance(req, str) or not req:
            raise InputError(f"{here}: requirements must be a path to a requirements file, not {req!r}")
        req_path = (base / req).expanduser()
        if not (req_path.is_file() or req_path.is_dir()):  # a folder: its manifest (resolve/inputs)
            raise InputError(
                f"{here}: requirements = {req!r}: {req_path} is not a file or folder: fix the path "
                "(it is relative to the config file)"
            )
        code = body.get("code")
        if code is not None and (not isinstance(code, str) or not (base / code).is_dir()):
            raise InputError(f"{here}: code = {code!r} must be the path of the function's code folder")
        layers = body.get("layers", [])
        if not isinstance(layers, list) or not all(isinstance(x, str) and x for x in layers):
            raise InputError(f"{here}: layers must be a list of layer ARNs, not {layers!r}")
        runtime = coerce_option("runtime", body["runtime"], f"{here} runtime") if "runtime" in body else options.runtime
        arch = coerce_option("arch", body["arch"], f"{here} arch") if "arch" in body else options.arch
        specs.append(
            FunctionSpec(
                name=name,
                requirements=req_path,
                runtime=runtime,
                arch=arch,
                layers=tuple(layers),
                code=(base / code) if code else req_path.parent,
                source=here,
            )
        )
    return tuple(specs)
