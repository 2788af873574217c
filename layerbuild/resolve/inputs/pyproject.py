"""pyproject.toml: `[project] dependencies`, `--extra` (optional-dependencies), `--group` (PEP 735
`[dependency-groups]`, with `include-group`), and Poetry's `[tool.poetry.dependencies]` and groups
(poetry_pyproject.py converts its constraints). Groups are included only when named (a dev group never by
itself); `--include-project` adds the project as `name @ file:///abs`, built by the local-project path.
The result is unlocked: it is resolved for the target like a requirements file.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from layerbuild.errors import InputError
from layerbuild.resolve.inputs import Manifest, ProjectOptions


def load_toml(path: Path) -> dict[str, Any]:
    """A TOML file's table; malformed TOML or bytes that are not UTF-8 are one line naming the file."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # Python 3.10
        import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
        return data
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path} is not valid TOML ({exc}): fix the file") from None
    except UnicodeDecodeError:
        raise InputError(f"{path} is not UTF-8 text: save it as UTF-8") from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None


def _norm(name: str) -> str:
    from layerbuild.facts.pep503 import canonicalize_name

    return str(canonicalize_name(name))


def _strings(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(f"{where} must be a list of requirement strings")
    return list(value)


def _pick(names: tuple[str, ...], known: dict[str, Any], what: str, flag: str, file: Path) -> list[str]:
    """The canonical names of the `--extra`/`--group` values, each of which must exist."""
    chosen = []
    for name in names:
        key = _norm(name)
        if key not in known:
            listed = ", ".join(sorted(known)) or "none"
            raise InputError(f"{flag} {name}: {file} has no {what} {name!r} ({what}s: {listed})")
        chosen.append(key)
    return chosen


def dependency_group(groups: dict[str, Any], name: str, file: Path, stack: tuple[str, ...] = ()) -> list[str]:
    """PEP 735: a group's requirements, `{include-group = "other"}` expanded (a cycle is an error)."""
    if name in stack:
        raise InputError(f"{file}: [dependency-groups] include a cycle: {' -> '.join((*stack, name))}")
    where = f"{file}: [dependency-groups] {name}"
    entries = groups[name]
    if not isinstance(entries, list):
        raise InputError(f"{where} must be a list")
    out: list[str] = []
    for entry in entries:
        if isinstance(entry, str):
            out.append(entry)
        elif isinstance(entry, dict) and set(entry) == {"include-group"} and isinstance(entry["include-group"], str):
            included = _norm(entry["include-group"])
            if included not in groups:
                raise InputError(f"{where}: include-group {entry['include-group']!r} does not exist")
            out.extend(dependency_group(groups, included, file, (*stack, name)))
        else:
            raise InputError(f"{where}: {entry!r} is neither a requirement nor {{include-group = NAME}}")
    return out


def _with_self_extras(requirements: list[str], project: str | None, extras: dict[str, list[str]]) -> list[str]:
    """`myproject[aws]` inside the project's own lists means its extra `aws`: expanded, never resolved."""
    from packaging.requirements import InvalidRequirement, Requirement

    out: list[str] = []
    seen: set[str] = set()
    todo = list(requirements)
    while todo:
        line = todo.pop(0)
        try:
            req = Requirement(line)
        except InvalidRequirement:
            out.append(line)  # read_requirements names the line and the problem
            continue
        if project is not None and _norm(req.name) == project and req.url is None:
            for extra in sorted(_norm(e) for e in req.extras):
                if extra not in seen and extra in extras:
                    seen.add(extra)
                    todo.extend(extras[extra])
            continue
        out.append(line)
    return out


def read(path: Path, options: ProjectOptions, python_version: str) -> Manifest:
    data = load_toml(path)
    project = data.get("project")
    poetry = (data.get("tool") or {}).get("poetry")
    if project is not None and not isinstance(project, dict):
        raise InputError(f"{path}: [project] must be a table")
    if options.package:
        raise InputError(
            f"--package {options.package}: {path} is not a uv workspace (no uv.lock beside it): "
            "run `uv lock` there, or leave --package out"
        )
    project = project or {}
    from layerbuild.resolve.inputs.poetry_pyproject import poetry_parts

    parts = poetry_parts(poetry, path, python_version) if isinstance(poetry, dict) else None
    name = project.get("name") if isinstance(project.get("name"), str) else (parts.name if parts else None)
    own = _norm(name) if name else None

    if "dependencies" in (project.get("dynamic") or []) and not options.include_project:
        raise InputError(
            f"{path} declares its dependencies as dynamic (a build backend computes them): "
            "pass --include-project to build the project with them, or name a requirements file"
        )
    lines: list[str] = []
    if "dependencies" in project:
        lines += _strings(project["dependencies"], f"{path}: [project] dependencies")
    elif parts is not None:
        lines += parts.main
    elif not project and poetry is None and not isinstance(data.get("dependency-groups"), dict):
        raise InputError(
            f"{path} has no [project] table, [tool.poetry] or [dependency-groups]: "
            "declare the dependencies, or name a requirements file"
        )

    optional = project.get("optional-dependencies") or {}
    if not isinstance(optional, dict):
        raise InputError(f"{path}: [project.optional-dependencies] must be a table")
    extras = {_norm(k): _strings(v, f"{path}: optional-dependencies {k}") for k, v in optional.items()}
    if parts is not None and not optional:
        extras = dict(parts.extras)
    for extra in _pick(options.extras, extras, "extra", "--extra", path):
        lines += extras[extra]

    raw_groups = data.get("dependency-groups") or {}
    if not isinstance(raw_groups, dict):
        raise InputError(f"{path}: [dependency-groups] must be a table")
    groups: dict[str, Any] = {_norm(k): v for k, v in raw_groups.items()}
    poetry_groups = dict(parts.groups) if parts is not None else {}
    known: dict[str, Any] = {**poetry_groups, **groups}
    for group in _pick(options.groups, known, "dependency group", "--group", path):
        lines += dependency_group(groups, group, path) if group in groups else poetry_groups[group]

    lines = _with_self_extras(lines, own, extras)
    if options.include_project:
        if not name:
            raise InputError(f"--include-project: {path} names no project ([project] name): add one")
        lines.append(f"{name} @ {path.parent.resolve().as_uri()}")
    requires = project.get("requires-python")
    if requires is not None and not isinstance(requires, str):
        raise InputError(f"{path}: requires-python must be a string like '>=3.11'")
    return Manifest(
        kind="pyproject",
        path=path,
        lines=tuple(lines),
        locked=False,
        requires_python=requires or (parts.python if parts else None),
    )
