"""The one place where settings are merged.

Precedence, highest first:
  1. command-line flags;
  2. environment variables `LAYERBUILD_<OPTION>` (e.g. LAYERBUILD_RUNTIME=python3.13);
  3. the config file: `[tool.layerbuild]` in pyproject.toml, or the top level of layerbuild.toml
     (given with --config, else found in the current folder);
  4. the defaults below.
Unknown keys, unknown sections and bad values are errors that name the key and where it came from.

Sections besides the build options: `audit` (keys in `audit/settings.py`), `publish` (read by
`commands/publish.py`) and `functions` (read by `plan/functions.py`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from layerbuild.errors import InputError
from layerbuild.facts.runtimes import ARCHITECTURES, DEFAULT_ARCH, DEFAULT_RUNTIME, RUNTIMES

if TYPE_CHECKING:
    from layerbuild.resolve.inputs import ProjectOptions

BACKENDS = ("auto", "wheels", "container")
SLIM_PROFILES = ("none", "safe", "aggressive")
BYTECODE_MODES = ("auto", "none", "alongside", "only", "init")
PRUNE_MODES = ("unused",)
COMPRESSION_LEVELS = ("default", "max")  # zip/compressors.py COMPRESSION_CHOICES


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
    skip_import: tuple[str, ...] = ()  # modules the import check leaves out (never imported on their own)
    # The unzipped bytes the layer may take (default: Lambda's limit for a function and all its layers);
    # `--bytecode auto` keeps a layer that fits without .pyc within it. A size: 262144000, 200MB, 250MiB.
    max_unzipped: str | None = None
    # Issue 15: the zip's deflate level (zip/compressors.py): default (libdeflate 6) or max (12, release builds).
    compression: str = "default"
    # What a project manifest is built with (resolve/inputs): --extra, --group, --package, --include-project,
    # --no-check-lock. A requirements file ignores them.
    extra: tuple[str, ...] = ()
    group: tuple[str, ...] = ()
    package: str | None = None
    include_project: bool = False
    check_lock: bool = True
    # The function's code (folder or zip) and handler (module.function): --code, --handler.
    code: str | None = None
    handler: str | None = None
    # Issue 16: `--prune unused` (remove layer files init and the replays never use) and `--event FILE`
    # (events replayed after init, globs expanded). Both, and `--bytecode init`, need code and handler.
    prune: str | None = None
    events: tuple[str, ...] = ()
    # s3://BUCKET/PREFIX shared by CI runners (build/shared_cache.py): where results are kept, never
    # what they hold, so it is not in cache_parts. --cache-url, LAYERBUILD_CACHE_URL, cache-url.
    cache_url: str | None = None
    # How long a resolution of an unchanged input is reused (resolve/reuse.py; seconds, or 10m, 1h; 0: never)
    # and --refresh to resolve again now. Neither changes a layer's content: not in cache_parts.
    resolution_ttl: str | None = None
    refresh: bool = False
    sources: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    # [tool.layerbuild.audit] and its file: the build's native check judges as the audit does.
    audit_config: tuple[dict[str, Any], Path | None] = field(default=({}, None), compare=False, repr=False)

    def cache_parts(self) -> dict[str, Any]:
        """The options that change a layer's content (not where it is written)."""
        # The backend changes the bytes (pip in the image vs uv here writes other INSTALLER/RECORD files).
        return {
            "backend": self.backend,
            "backend_image": self.image if self.backend != "wheels" else None,
            "slim": self.slim,
            "bytecode": self.bytecode,
            **({"prune": self.prune} if self.prune else {}),
            "keep_runtime_packages": self.keep_runtime_packages,
            "keep": sorted(self.keep),
            "drop": sorted(self.drop),
            "verify": self.verify,
            **({"skip_import": sorted(self.skip_import)} if self.skip_import else {}),
            # the native check judges with [tool.layerbuild.audit] (provided-libraries, ignore, severity)
            **({"audit": self.audit_config[0]} if self.audit_config[0] else {}),
            **({"max_unzipped": self.max_unzipped_bytes()} if self.max_unzipped is not None else {}),
            **({"compression": self.compression} if self.compression != "default" else {}),
        }

    def project_options(self) -> ProjectOptions:
        from layerbuild.resolve.inputs import ProjectOptions

        return ProjectOptions(self.extra, self.group, self.package, self.include_project, self.check_lock)

    def resolution_ttl_seconds(self) -> int:
        """How long a resolution of an unchanged input is reused (resolve/reuse.py), in seconds."""
        if self.resolution_ttl is None:
            from layerbuild.resolve.reuse import DEFAULT_TTL_SECONDS

            return DEFAULT_TTL_SECONDS
        from layerbuild.util.units import parse_seconds

        try:
            return parse_seconds(self.resolution_ttl, self.sources.get("resolution_ttl", "resolution-ttl"))
        except ValueError as exc:
            raise InputError(str(exc)) from None

    def max_unzipped_bytes(self, where: str = "max-unzipped") -> int | None:
        """`max_unzipped` in bytes (None: Lambda's limit); a bad size is an InputError naming `where`."""
        if self.max_unzipped is None:
            return None
        from layerbuild.audit.settings import parse_size

        size = parse_size(self.max_unzipped, self.sources.get("max_unzipped", where))
        if size <= 0:
            raise InputError(f"{self.sources.get('max_unzipped', where)}: max-unzipped must be more than 0 bytes")
        return size


_CHOICES: dict[str, tuple[str, ...]] = {
    "runtime": tuple(RUNTIMES),
    "arch": tuple(ARCHITECTURES),
    "backend": BACKENDS,
    "slim": SLIM_PROFILES,
    "bytecode": BYTECODE_MODES,
    "prune": PRUNE_MODES,
    "compression": COMPRESSION_LEVELS,
}
_BUILD_KEYS = {f.name for f in fields(BuildOptions)} - {"sources", "audit_config"}
# The sections a config file may hold besides the build options: [tool.layerbuild.NAME] (pyproject.toml)
# or [NAME] (layerbuild.toml); any other is refused, so a misspelt section is never silently ignored.
SECTION_KEYS: frozenset[str] = frozenset({"functions", "audit", "publish"})


def load_config_file(path: Path | None) -> tuple[dict[str, Any], Path | None]:
    """The `[tool.layerbuild]` table (or layerbuild.toml's top level) and the file it came from; an
    unknown key or section is refused here, whichever command reads the file."""
    if path is None:
        for candidate in (Path("layerbuild.toml"), Path("pyproject.toml")):
            if candidate.is_file():
                data, found = _read_toml(candidate)
                if found or candidate.name == "layerbuild.toml":
                    return _checked(data, candidate), candidate
        return {}, None
    if not path.is_file():
        raise InputError(f"config file {path} does not exist: check the --config path")
    data, found = _read_toml(path)
    if not found and path.name == "pyproject.toml":
        raise InputError(f"{path} has no [tool.layerbuild] table: add one, or pass another --config")
    return _checked(data, path), path


def _checked(table: dict[str, Any], path: Path) -> dict[str, Any]:
    for key, value in table.items():
        if key.replace("-", "_") in _BUILD_KEYS or key in SECTION_KEYS:
            continue
        if isinstance(value, dict):
            name = f"[tool.layerbuild.{key}]" if path.name == "pyproject.toml" else f"[{key}]"
            raise InputError(f"{path}: unknown section {name} (known: {', '.join(sorted(SECTION_KEYS))})")
        known = ", ".join(sorted(_BUILD_KEYS | SECTION_KEYS))
        raise InputError(f"{path}: unknown key {key!r} in the layerbuild config (known: {known})")
    return table


def _read_toml(path: Path) -> tuple[dict[str, Any], bool]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # Python 3.10
        import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]
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


def coerce_option(key: str, value: Any, where: str) -> Any:
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
    if key == "resolution_ttl":
        from layerbuild.util.units import parse_seconds

        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise InputError(f"{where}: {key} must be a number of seconds, or like 10m or 1h, not {value!r}")
        try:
            return str(parse_seconds(value, f"{where}: {key.replace('_', '-')}"))
        except ValueError as exc:
            raise InputError(str(exc)) from None
    if key == "max_unzipped":
        from layerbuild.audit.settings import parse_size

        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or parse_size(value, f"{where}: {key}") <= 0:
            raise InputError(f"{where}: {key} must be a size more than 0, like 200MB or 262144000, not {value!r}")
        return value
    if not isinstance(value, str):
        raise InputError(f"{where}: {key} must be a string, not {value!r}")
    if key == "name":
        # The name becomes file names in the output folder: `../x` or `a/b` must never get that far.
        from layerbuild.model.names import check_layer_name

        return check_layer_name(value, where)
    if key in _CHOICES and value not in _CHOICES[key]:
        raise InputError(f"{where}: {key} = {value!r} is not one of {', '.join(_CHOICES[key])}")
    return value


def section(
    table: dict[str, Any],
    name: str,
    known: tuple[str, ...] | set[str],
    config_path: Path | str | None,
    separator: str = "_",
) -> dict[str, Any]:
    """`[tool.layerbuild.NAME]` with its keys spelled with `separator` (`-` or `_`, users may write
    either) and checked against `known`; an unknown key or a non-table is an error naming the file."""
    where = f"{config_path} [tool.layerbuild.{name}]" if config_path else f"[tool.layerbuild.{name}]"
    raw = table.get(name) or {}
    if not isinstance(raw, dict):
        raise InputError(f"{where}: must be a table")
    other = "-" if separator == "_" else "_"
    found: dict[str, Any] = {}
    for key, value in raw.items():
        norm = key.replace(other, separator)
        if norm not in known:
            raise InputError(f"{where}: unknown key {key!r} (known: {', '.join(sorted(known))})")
        found[norm] = value
    return found


def merge_build_options(
    cli: dict[str, Any], config_path: Path | None = None, env: Mapping[str, str] | None = None
) -> tuple[BuildOptions, dict[str, Any]]:
    """BuildOptions from flags (values of None mean "not given"), environment and config file.

    Returns the options and the whole config table (for the sections other commands read).
    """
    environ: Mapping[str, str] = os.environ if env is None else env
    table, path = load_config_file(config_path)
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for key, value in table.items():
        norm = key.replace("-", "_")
        if norm in _BUILD_KEYS:
            values[norm] = coerce_option(norm, value, f"{path} [tool.layerbuild]")
            sources[norm] = str(path)
    for key in _BUILD_KEYS:
        env_name = f"LAYERBUILD_{key.upper()}"
        if environ.get(env_name):
            values[key] = coerce_option(key, environ[env_name], env_name)
            sources[key] = env_name
    for key, value in cli.items():
        if value is None or key not in _BUILD_KEYS or (isinstance(value, tuple) and not value):
            continue
        values[key] = coerce_option(key, value, f"--{key.replace('_', '-')}")
        sources[key] = "command line"
    audit = table["audit"] if isinstance(table.get("audit"), dict) else {}
    options = replace(BuildOptions(), **values, sources=sources, audit_config=(audit, path))
    return options, table
