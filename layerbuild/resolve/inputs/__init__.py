"""The projects people have: a folder, pyproject.toml, uv.lock (workspaces too), poetry.lock, Pipfile.lock,
pylock.toml, or a requirements file — turned into one requirements input the resolver already knows.

Every reader (one module per manifest kind, like pip-audit's `_dependency_source/`) returns a `Manifest`:
- an unlocked manifest (pyproject.toml's dependencies, extras and groups) becomes requirement lines that are
  resolved for the target like a requirements file;
- a lock becomes *locked lines*: `name==version` with every `--hash` the lock lists, markers already
  evaluated for the target (so only the packages the runtime needs are listed), `# via` annotations for the
  dependency graph, and local or workspace members as `name @ file:///abs/path`. Such text is what
  `resolve.locked.lock_from_file` reads: it is never re-resolved, and on Amazon Linux 2 each locked version's
  wheels are checked (a version with no wheel for the target is built from its locked sdist under
  --backend auto, or refused in one line naming the version that has one — never replaced).

`open_source` writes the lines to a private temporary file and reads it back as a `RequirementsInput` whose
`source` is the manifest the user named (used in messages, the default layer name and the report's `source`).
The order a folder is searched in is `DISCOVERY_ORDER` (a lock beats its pyproject).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from layerbuild.errors import InputError

if TYPE_CHECKING:
    from layerbuild.model.target import Target
    from layerbuild.resolve.requirements import RequirementsInput

# A folder's manifest, first found wins (documented in the README, "Your project's manifest").
DISCOVERY_ORDER: tuple[str, ...] = (
    "pylock.toml",
    "uv.lock",
    "poetry.lock",
    "Pipfile.lock",
    "pyproject.toml",
    "requirements.txt",
)


@dataclass(frozen=True)
class ProjectOptions:
    """What the user asked of a project manifest (`--extra`, `--group`, `--package`, `--include-project`,
    `--no-check-lock`); requirements files ignore them."""

    extras: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    package: str | None = None  # a uv workspace member
    include_project: bool = False  # also build and add the project itself
    check_lock: bool = True  # a lock stale against its pyproject is an error


@dataclass(frozen=True)
class Manifest:
    """What a reader found. `lines` are requirements-file lines (see the module docstring)."""

    kind: str  # "requirements" | "pyproject" | "uv.lock" | "poetry.lock" | "Pipfile.lock" | "pylock.toml"
    path: Path  # the file read
    lines: tuple[str, ...]
    locked: bool
    requires_python: str | None = None  # the project's Python constraint (PEP 440 specifier), if it has one
    index_args: tuple[str, ...] = field(default=(), repr=False)  # index options the manifest names: secrets


Reader = Callable[[Path, ProjectOptions, str], Manifest]  # (file, options, target Python "3.12") -> Manifest


def find_manifest(path: Path) -> tuple[str, Path]:
    """(kind, file) for a file or a folder; a folder is searched in `DISCOVERY_ORDER`."""
    if path.is_dir():
        for name in DISCOVERY_ORDER:
            if (path / name).is_file() and not (name == "pyproject.toml" and _tooling_only(path / name)):
                return _kind_of(path / name), path / name
        raise InputError(
            f"{path} holds no manifest ({', '.join(DISCOVERY_ORDER)}): name the requirements file or project folder"
        )
    return _kind_of(path), path


def has_manifest(folder: Path) -> bool:
    """Whether a folder holds a manifest `find_manifest` would use (a SAM function's CodeUri, say)."""
    try:
        find_manifest(folder)
    except InputError:
        return False
    return True


def _tooling_only(pyproject: Path) -> bool:
    """A pyproject.toml beside a requirements.txt that declares no dependencies (only [tool.ruff], say) is
    not the folder's manifest: the requirements file is."""
    if not (pyproject.parent / "requirements.txt").is_file():
        return False
    from layerbuild.resolve.inputs.pyproject import load_toml

    data = load_toml(pyproject)
    return not ("project" in data or "dependency-groups" in data or "poetry" in (data.get("tool") or {}))


def _kind_of(file: Path) -> str:
    name = file.name
    if name == "pyproject.toml":
        return "pyproject"
    if name == "uv.lock":
        return "uv.lock"
    if name == "poetry.lock":
        return "poetry.lock"
    if name == "Pipfile.lock":
        return "Pipfile.lock"
    if name == "pylock.toml" or (name.startswith("pylock.") and name.endswith(".toml")):
        return "pylock.toml"
    return "requirements"


# kind -> the module under layerbuild.resolve.inputs whose `read(path, options, python_version)` reads it
# (loaded only when such a file is read: the CLI starts without them).
READERS: dict[str, str] = {
    "pyproject": "pyproject",
    "uv.lock": "uv_lock",
    "poetry.lock": "poetry_lock",
    "Pipfile.lock": "pipfile_lock",
    "pylock.toml": "pylock",
}


def read_manifest(path: Path, options: ProjectOptions, python_version: str, machine: str | None = None) -> Manifest:
    """The `Manifest` of a file or folder (found by `find_manifest`), read for a target's Python version
    (and its machine, `x86_64`/`aarch64`, for a reader that evaluates `platform_machine` itself)."""
    kind, file = find_manifest(path)
    if kind == "requirements":
        return Manifest("requirements", file, (), locked=False)
    import importlib
    import inspect

    reader: Reader = importlib.import_module(f"layerbuild.resolve.inputs.{READERS[kind]}").read
    if machine is not None and "machine" in inspect.signature(reader).parameters:
        return reader(file, options, python_version, machine=machine)  # type: ignore[call-arg]
    return reader(file, options, python_version)


def allows(requires_python: str | None, python_version: str, where: Path) -> bool:
    """Whether a project's Python constraint admits `python_version` ("3.12"); a malformed one is refused."""
    if not requires_python:
        return True
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    for alternative in requires_python.split("||"):  # Poetry's "or", kept by poetry_pyproject.py
        try:
            spec = SpecifierSet(alternative.strip())
        except InvalidSpecifier:
            raise InputError(f"{where}: Python constraint {requires_python!r} is not a PEP 440 specifier") from None
        # Lambda updates patch releases: ">=3.12.1" still admits python3.12, so the minor's ends are tried.
        if any(spec.contains(f"{python_version}.{patch}", prereleases=True) for patch in (0, 99)):
            return True
    return False


def default_runtime(path: Path, options: ProjectOptions, fallback: str) -> str:
    """The runtime for a project when none was asked for: `fallback` when the project has no Python
    constraint, else the newest runtime whose Python it allows (an error when it allows none)."""
    from layerbuild.facts.runtimes import RUNTIMES

    kind, _ = find_manifest(path)
    if kind == "requirements":
        return fallback
    manifest = read_manifest(path, options, RUNTIMES[fallback][0])
    if not manifest.requires_python:
        return fallback
    newest_first = sorted(RUNTIMES, key=lambda r: tuple(int(x) for x in RUNTIMES[r][0].split(".")), reverse=True)
    for runtime in newest_first:
        if allows(manifest.requires_python, RUNTIMES[runtime][0], manifest.path):
            return runtime
    raise InputError(
        f"{manifest.path} requires Python {manifest.requires_python}, which no Lambda runtime runs "
        f"({', '.join(sorted(RUNTIMES))}): widen the constraint"
    )


def open_source(path: str | Path, options: ProjectOptions, target: Target) -> RequirementsInput:
    """The requirements input for a requirements file, a manifest or a folder, read for `target`; a
    manifest's lines go through `read_requirements` (the same checks), and `path`/`source` name the manifest."""
    import dataclasses

    from layerbuild.resolve.requirements import read_requirements

    given = Path(path)
    if not given.exists():
        raise InputError(f"{given} does not exist: name a requirements file, a project manifest or its folder")
    kind, file = find_manifest(given)
    if kind == "requirements":
        reqs = read_requirements(file)
        if given.is_dir():
            _say_used(file, kind)
        return dataclasses.replace(reqs, source=file, kind=kind)
    manifest = read_manifest(file, options, target.python_version, target.machine)
    _say_used(file, kind)
    if not allows(manifest.requires_python, target.python_version, file):
        raise InputError(
            f"{file} requires Python {manifest.requires_python}, but {target.runtime} runs Python "
            f"{target.python_version}: pass a --runtime the project allows, or widen its Python constraint"
        )
    if not [line for line in manifest.lines if line.strip() and not line.lstrip().startswith("#")]:
        raise InputError(
            f"{file} lists no dependencies for {target.runtime} {target.arch}: add some, "
            "or name the extras/groups to build (--extra, --group)"
        )
    import tempfile

    with tempfile.TemporaryDirectory(prefix="layerbuild-manifest-") as tmp:
        lines_file = Path(tmp) / "requirements.txt"
        lines_file.write_text("\n".join(manifest.lines) + "\n", encoding="utf-8")
        reqs = read_requirements(lines_file)
    return dataclasses.replace(
        reqs,
        path=file,
        files=(file,),
        source=file,
        kind=manifest.kind,
        index_args=(*manifest.index_args, *reqs.index_args),
        # A lock's local members (`name @ file:///abs`) carry no hash, yet their dependencies are the lock's too.
        all_hashed_pins=reqs.all_hashed_pins or manifest.locked,
    )


def _say_used(file: Path, kind: str) -> None:
    from layerbuild.util.progress import note

    note(f"layerbuild: using {file} ({kind})")
