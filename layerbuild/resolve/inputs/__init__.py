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

from layerbuild.errors import InputError

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
            if (path / name).is_file():
                return _kind_of(path / name), path / name
        raise InputError(
            f"{path} holds no manifest ({', '.join(DISCOVERY_ORDER)}): name the requirements file or project folder"
        )
    return _kind_of(path), path


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
