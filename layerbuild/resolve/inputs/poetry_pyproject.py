"""Poetry's `[tool.poetry]` in pyproject.toml: dependencies, extras and groups as PEP 508 lines.

Constraints become PEP 440 the way Poetry defines them (python-poetry.org/docs/dependency-specification):
`^1.2.3` is `>=1.2.3,<2.0.0` (the first non-zero part is kept: `^0.2.3` is `>=0.2.3,<0.3.0`), `~1.2.3` is
`>=1.2.3,<1.3.0` (`~1` is `>=1,<2`), `1.2.*` and `*` are wildcards, a bare version is `==`, and clauses are
separated by commas or spaces. A dependency's `python` (and `platform`) is evaluated here for the target,
so only the entries the runtime needs are listed; `python` itself is the project's Python constraint
(alternatives joined by `||` are kept: `inputs.allows` admits a version any of them allows).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from layerbuild.errors import InputError

_CLAUSE = re.compile(r"^(\^|~=|~|==|!=|>=|<=|>|<|=)?\s*(\S+)$")


@dataclass(frozen=True)
class PoetryParts:
    name: str | None
    main: list[str]
    extras: dict[str, list[str]] = field(default_factory=dict)
    groups: dict[str, list[str]] = field(default_factory=dict)
    python: str | None = None


def _release(op: str, version: str, where: str) -> list[int]:
    parts = version.split(".")
    if not all(p.isdigit() for p in parts):
        raise InputError(f"{where}: cannot read {op}{version}: Poetry's {op} takes a version like 1.2.3")
    return [int(p) for p in parts]


def _bump(release: list[int], index: int) -> str:
    upper = release[: index + 1]
    upper[index] += 1
    return ".".join(str(x) for x in upper + [0] * (len(release) - index - 1)) if index < len(release) else ""


def clause_to_pep440(clause: str, where: str) -> list[str]:
    match = _CLAUSE.match(clause.strip())
    if not match:
        raise InputError(f"{where}: cannot read the constraint {clause!r}")
    op, version = match.group(1) or "", match.group(2)
    if version == "*" and op in ("", "=", "=="):
        return []
    if op == "^":
        release = _release(op, version, where)
        first = next((i for i, x in enumerate(release) if x != 0), len(release) - 1)
        return [f">={version}", f"<{_bump(release, first)}"]
    if op == "~":
        release = _release(op, version, where)
        return [f">={version}", f"<{_bump(release, 1 if len(release) > 1 else 0)}"]
    if op in ("", "="):
        op = "=="
    return [f"{op}{version}"]


def to_pep440(constraint: str, where: str) -> str:
    """A Poetry version constraint as a PEP 440 specifier (an `||` is refused: PEP 440 has no "or")."""
    if "||" in constraint or re.search(r"(^|\s)\|(\s|$)", constraint):
        raise InputError(
            f"{where}: the constraint {constraint!r} has alternatives (||), which a requirement cannot express: "
            "use one range"
        )
    clauses = [c for c in re.split(r"\s*,\s*|(?<=[\w*.])\s+(?=[\^~=!<>\d*])", constraint.strip()) if c]
    return ",".join(s for c in clauses for s in clause_to_pep440(c, where))


def python_constraint(constraint: str, where: str) -> str:
    """Poetry's `python` (alternatives kept, joined by `||`), read as Poetry reads a Python constraint."""
    from layerbuild.resolve.inputs.poetry_constraints import to_pep440 as python_to_pep440

    return python_to_pep440(constraint) or ""


def _applies(python: str | None, python_version: str, where: str) -> bool:
    from layerbuild.resolve.inputs import allows

    return python is None or allows(python_constraint(python, where), python_version, Path(where))


def dependency_lines(name: str, spec: Any, folder: Path, python_version: str, where: str) -> tuple[list[str], bool]:
    """The PEP 508 lines of one Poetry dependency for the target, and whether it is optional."""
    where = f"{where} {name}"
    entries = spec if isinstance(spec, list) else [spec]
    lines: list[str] = []
    optional = False
    for entry in entries:
        if isinstance(entry, str):
            entry = {"version": entry}
        if not isinstance(entry, dict):
            raise InputError(f"{where}: expected a version string or a table, not {entry!r}")
        optional = optional or bool(entry.get("optional"))
        if not _applies(entry.get("python"), python_version, where):
            continue
        if entry.get("platform") not in (None, "linux"):
            continue
        extras = entry.get("extras") or []
        head = f"{name}[{','.join(extras)}]" if extras else name
        if "path" in entry:
            line = f"{head} @ {(folder / entry['path']).resolve().as_uri()}"
        elif "git" in entry:
            ref = entry.get("rev") or entry.get("tag") or entry.get("branch")
            url = str(entry["git"])
            url = url if url.startswith("git+") else f"git+{url}"
            sub = f"#subdirectory={entry['subdirectory']}" if entry.get("subdirectory") else ""
            line = f"{head} @ {url}{'@' + ref if ref else ''}{sub}"
        elif "url" in entry:
            line = f"{head} @ {entry['url']}"
        else:
            line = head + to_pep440(str(entry.get("version", "*")), where)
        if entry.get("markers"):
            line += f" ; {entry['markers']}"
        lines.append(line)
    return lines, optional


def _table(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InputError(f"{where} must be a table")
    return value


def poetry_parts(poetry: dict[str, Any], path: Path, python_version: str) -> PoetryParts:
    from layerbuild.facts.pep503 import canonicalize_name

    folder = path.parent
    deps = _table(poetry.get("dependencies"), f"{path}: [tool.poetry.dependencies]")
    python = deps.get("python")
    main: list[str] = []
    optional: dict[str, list[str]] = {}
    for name, spec in deps.items():
        if name == "python":
            continue
        lines, is_optional = dependency_lines(name, spec, folder, python_version, f"{path}: [tool.poetry.dependencies]")
        if is_optional:
            optional[str(canonicalize_name(name))] = lines
        else:
            main += lines
    extras: dict[str, list[str]] = {}
    for extra, names in _table(poetry.get("extras"), f"{path}: [tool.poetry.extras]").items():
        extras[str(canonicalize_name(extra))] = [
            line for n in names for line in optional.get(str(canonicalize_name(n)), [])
        ]
    groups: dict[str, list[str]] = {}
    tables = {
        name: _table(group, f"{path}: [tool.poetry.group.{name}]").get("dependencies")
        for name, group in _table(poetry.get("group"), f"{path}: [tool.poetry.group]").items()
    }
    if "dev-dependencies" in poetry:  # Poetry before 1.2: the dev group
        tables.setdefault("dev", poetry["dev-dependencies"])
    for group, table in tables.items():
        where = f"{path}: [tool.poetry.group.{group}.dependencies]"
        groups[str(canonicalize_name(group))] = [
            line
            for name, spec in _table(table, where).items()
            for line in dependency_lines(name, spec, folder, python_version, where)[0]
        ]
    declared = poetry.get("name")
    return PoetryParts(
        name=declared if isinstance(declared, str) else None,
        main=main,
        extras=extras,
        groups=groups,
        python=python_constraint(str(python), f"{path}: python") if python else None,
    )
