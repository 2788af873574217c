"""The one place where settings are merged.

Precedence, highest first:
  1. command-line flags;
  2. environment variables `LAYERBUILD_<OPTION>` (e.g. LAYERBUILD_RUNTIME=python3.13);
  3. the config file: `[tool.layerbuild]` in pyproject.toml, or the top level of layerbuild.toml
     (given with --config, else found in the current folder);
  4. the defaults below.
Unknown keys and bad values are errors that name the key and where it came from.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from .errors import InputError
from .targets import ARCHITECTURES, DEFAULT_ARCH, DEFAULT_RUNTIME, RUNTIMES

BACKENDS = ("auto", "wheels", "container")
SLIM_PROFILES = ("none", "safe", "aggressive")
BYTECODE_MODES = ("auto", "none", "alongside", "only")


@dataclass(frozen=True)
class BuildOptions:
    runtime: str = DEFAULT_RUNTIME
    arch: str = DEFAULT_ARCH
    output: str = "dist"
    name: str | None = None
    backend: str = "auto"
    slim: str = "safe"
    bytecode: str = "auto"
    keep_runtime_packages: bool = False
    image: str | None = None
    network: str | None = None
    verify: bool = True
    keep: tuple[str, ...] = ()  # PKG:GLOB kept whatever the slim rules say
    drop: tuple[str, ...] = ()  # PKG:GLOB removed in addition to the slim rules
    sources: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def cache_parts(self) -> dict[str, Any]:
        """The options that change a layer's content (not where it is written)."""
        return {"backend_image": self.image if self.backend != "wheels" else None, "slim": self.slim,
                "bytecode": self.bytecode, "keep_runtime_packages": self.keep_runtime_packages,
                "keep": sorted(self.keep), "drop": sorted(self.drop), "verify": self.verify}


_CHOICES: dict[str, tuple[str, ...]] = {
    "runtime": tuple(RUNTIMES),
    "arch": tuple(ARCHITECTURES),
    "backend": BACKENDS,
    "slim": SLIM_PROFILES,
    "bytecode": BYTECODE_MODES,
}
_BUILD_KEYS = {f.name for f in fields(BuildOptions)} - {"sources"}
# Keys a config file may hold besides the build options; other issues' sections register here.
SECTION_KEYS: set[str] = {"functions", "audit", "publish", "layers"}


def load_config_file(path: Path | None) -> tuple[dict[str, Any], Path | None]:
    """The `[tool.layerbuild]` table (or layerbuild.toml's top level) and the file it came from."""
    if path is None:
        for candidate in (Path("layerbuild.toml"), Path("pyproject.toml")):
            if candidate.is_file():
                data, found = _read_toml(candidate)
                if found or candidate.name == "layerbuild.toml":
                    return data, candidate
        return {}, None
    if not path.is_file():
        raise InputError(f"config file {path} does not exist: check the --config path")
    data, found = _read_toml(path)
    if not found and path.name == "pyproject.toml":
        raise InputError(f"{path} has no [tool.layerbuild] table: add one, or pass another --config")
    return data, path


def _read_toml(path: Path) -> tuple[dict[str, Any], bool]:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path} is not valid TOML ({exc}): fix the file") from None
    if path.name == "pyproject.toml":
        table = raw.get("tool", {}).get("layerbuild")
        if table is None:
            return {}, False
        if not isinstance(table, dict):
            raise InputError(f"{path}: [tool.layerbuild] must be a table")
        return table, True
    return raw, True


def _coerce(key: str, value: Any, where: str) -> Any:
    field_type = {f.name: f.type for f in fields(BuildOptions)}[key]
    if "bool" in str(field_type):
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            return value.lower() in ("1", "true", "yes", "on")
        raise InputError(f"{where}: {key} must be true or false, not {value!r}")
    if "tuple" in str(field_type):
        if isinstance(value, str):
            value = [v for v in value.replace(",", " ").split() if v]
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise InputError(f"{where}: {key} must be a list of strings, not {value!r}")
        return tuple(value)
    if not isinstance(value, str):
        raise InputError(f"{where}: {key} must be a string, not {value!r}")
    if key in _CHOICES and value not in _CHOICES[key]:
        raise InputError(f"{where}: {key} = {value!r} is not one of {', '.join(_CHOICES[key])}")
    return value


def merge_build_options(cli: dict[str, Any], config_path: Path | None = None,
                        env: dict[str, str] | None = None) -> tuple[BuildOptions, dict[str, Any]]:
    """BuildOptions from flags (values of None mean "not given"), environment and config file.

    Returns the options and the whole config table (for the sections other commands read).
    """
    env = os.environ if env is None else env
    table, path = load_config_file(config_path)
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for key, value in table.items():
        norm = key.replace("-", "_")
        if norm in _BUILD_KEYS:
            values[norm] = _coerce(norm, value, f"{path} [tool.layerbuild]")
            sources[norm] = str(path)
        elif key not in SECTION_KEYS:
            known = ", ".join(sorted(_BUILD_KEYS | SECTION_KEYS))
            raise InputError(f"{path}: unknown key {key!r} in the layerbuild config (known: {known})")
    for key in _BUILD_KEYS:
        env_name = f"LAYERBUILD_{key.upper()}"
        if env.get(env_name):
            values[key] = _coerce(key, env[env_name], env_name)
            sources[key] = env_name
    for key, value in cli.items():
        if value is None or key not in _BUILD_KEYS or (isinstance(value, tuple) and not value):
            continue
        values[key] = _coerce(key, value, f"--{key.replace('_', '-')}")
        sources[key] = "command line"
    options = replace(BuildOptions(), **values, sources=sources)
    return options, table
