"""poetry.lock (lock formats 1.x, 2.0 and 2.1) as locked lines, never re-resolved.

The roots are the pyproject's main dependencies (`[tool.poetry.dependencies]`, or `[project] dependencies`)
plus the groups named with `--group` (`[tool.poetry.group.X.dependencies]`, `dev-dependencies` as `dev`,
PEP 735 `[dependency-groups]`) and the extras named with `--extra`. The graph is walked from them through
each package's `[package.dependencies]`, their markers (and Poetry's `python` constraints) evaluated for the
runtime. A lock with no pyproject beside it is read by its own `groups`/`category`. A lock whose
content-hash is not Poetry's hash of the pyproject is stale: one line says to run `poetry lock`.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from layerbuild.errors import InputError
from layerbuild.facts.pep503 import canonicalize_name
from layerbuild.model.target import marker_environment as marker_env
from layerbuild.resolve.inputs import Manifest, ProjectOptions
from layerbuild.resolve.inputs.locked_lines import Chosen, file_url, load_toml, marker_true, per_machine
from layerbuild.resolve.inputs.poetry_constraints import python_allows, to_pep440

_LEGACY_KEYS = ["dependencies", "source", "extras", "dev-dependencies"]
_PROJECT_KEYS = ["requires-python", "dependencies", "optional-dependencies"]

Edge = tuple[str, str | None, tuple[str, ...], str | None]  # (name, marker, extras, Poetry python constraint)


def read(path: Path, options: ProjectOptions, python_version: str) -> Manifest:
    lock = load_toml(path, "poetry.lock")
    meta = lock.get("metadata", {})
    version = str(meta.get("lock-version", "1.0"))
    if version.split(".")[0] not in ("1", "2"):
        raise InputError(f"{path}: unknown poetry.lock version {version} (this layerbuild reads 1.x and 2.x)")
    pyproject_file = path.parent / "pyproject.toml"
    pyproject = load_toml(pyproject_file, "pyproject.toml") if pyproject_file.is_file() else None
    if pyproject is not None and options.check_lock and not _fresh(path, pyproject, meta.get("content-hash")):
        raise InputError(
            f"{path} is stale against {pyproject_file} (its content-hash differs): run `poetry lock` to refresh "
            "it, or pass --no-check-lock"
        )
    packages: dict[str, Any] = {canonicalize_name(p["name"]): p for p in lock.get("package", [])}
    legacy_files = meta.get("files", {})
    roots = _roots(pyproject, options, path) if pyproject is not None else None

    def select(machine: str) -> dict[str, Chosen]:
        env = marker_env(python_version, machine)
        if roots is None:
            return _by_lock_groups(packages, options, env, path, python_version, legacy_files)
        return _walk(packages, roots, env, path, python_version, legacy_files)

    poetry = (pyproject or {}).get("tool", {}).get("poetry", {})
    py = poetry.get("dependencies", {}).get("python") or meta.get("python-versions")
    requires = (pyproject or {}).get("project", {}).get("requires-python") or (to_pep440(py) or None if py else None)
    index_args: list[str] = []
    for source in poetry.get("source", []):
        if source.get("url") and source.get("priority") != "explicit":
            index_args += ["--extra-index-url", source["url"]]
    return Manifest(
        "poetry.lock", path, tuple(per_machine(select)), True, requires_python=requires, index_args=tuple(index_args)
    )


def content_hash(pyproject: dict[str, Any], with_dependency_groups: bool = True) -> str:
    """Poetry's content-hash (poetry/packages/locker.py `_get_content_hash`, Poetry 2.5; the same as 1.2-1.8,
    and as 1.1 when no groups are declared): sha256 of the sorted JSON of the relevant pyproject sections."""
    project = pyproject.get("project", {})
    groups = pyproject.get("dependency-groups", {}) if with_dependency_groups else {}
    poetry = pyproject.get("tool", {}).get("poetry", {})
    relevant_project = {k: project[k] for k in _PROJECT_KEYS if project.get(k) is not None}
    relevant_poetry = {}
    for key in [*_LEGACY_KEYS, "group"]:
        data = poetry.get(key)
        if data is None and (key not in _LEGACY_KEYS or relevant_project or groups):
            continue
        relevant_poetry[key] = data
    content: dict[str, Any] = {}
    if relevant_project:
        content["project"] = relevant_project
    if groups:
        content["dependency-groups"] = groups
    if content:
        content["tool"] = {"poetry": relevant_poetry}
    else:
        content = relevant_poetry
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def _fresh(lock_path: Path, pyproject: dict[str, Any], locked_hash: object) -> bool:
    """Poetry's own check: the hash matches, or (a lock written before Poetry 2.3) matches without PEP 735 groups."""
    if locked_hash == content_hash(pyproject):
        return True
    import re

    with lock_path.open(encoding="utf-8") as f:
        m = re.search(r"Poetry (\d+)\.(\d+)", f.readline())
    old = m is not None and (int(m[1]), int(m[2])) < (2, 3)
    return old and locked_hash == content_hash(pyproject, with_dependency_groups=False)


def _roots(pyproject: dict[str, Any], options: ProjectOptions, path: Path) -> list[Edge]:
    from packaging.requirements import InvalidRequirement, Requirement

    project = pyproject.get("project", {})
    poetry = pyproject.get("tool", {}).get("poetry", {})
    groups: dict[str, Any] = {k: v.get("dependencies", {}) for k, v in poetry.get("group", {}).items()}
    if "dev-dependencies" in poetry:
        groups.setdefault("dev", poetry["dev-dependencies"])
    pep735 = pyproject.get("dependency-groups", {})
    for name in options.groups:
        if name not in groups and name not in pep735:
            known = ", ".join(sorted({*groups, *pep735})) or "none"
            raise InputError(f"{path}: no dependency group {name!r} in pyproject.toml (groups: {known})")
    wanted_extras = set(options.extras)
    for name in options.extras:
        if name not in poetry.get("extras", {}) and name not in project.get("optional-dependencies", {}):
            raise InputError(f"{path}: no extra {name!r} in pyproject.toml")
    in_extras = {canonicalize_name(d) for e in wanted_extras for d in poetry.get("extras", {}).get(e, [])}
    edges: list[Edge] = []
    pep508 = list(project.get("dependencies", []))
    pep508 += [r for e in wanted_extras for r in project.get("optional-dependencies", {}).get(e, [])]
    pep508 += [r for g in options.groups for r in pep735.get(g, []) if isinstance(r, str)]
    for line in pep508:
        try:
            req = Requirement(line)
        except InvalidRequirement as exc:
            raise InputError(f"{path.parent / 'pyproject.toml'}: cannot read {line!r} ({exc})") from None
        edges.append((canonicalize_name(req.name), str(req.marker) if req.marker else None, tuple(req.extras), None))
    tables = [poetry.get("dependencies", {})] + [groups.get(g, {}) for g in options.groups]
    for i, table in enumerate(tables):
        for name, spec in table.items():
            if name == "python":
                continue
            for one in spec if isinstance(spec, list) else [spec]:
                one = one if isinstance(one, dict) else {"version": one}
                if i == 0 and one.get("optional") and canonicalize_name(name) not in in_extras:
                    continue
                edges.append(
                    (canonicalize_name(name), one.get("markers"), tuple(one.get("extras", ())), one.get("python"))
                )
    return edges


def _edge_holds(edge: Edge, env: dict[str, str], path: Path, python_version: str, extras: tuple[str, ...]) -> bool:
    _, marker, _, python = edge
    return marker_true(marker, env, path, extras) and (not python or python_allows(python, python_version))


def _walk(
    packages: dict[str, Any],
    roots: list[Edge],
    env: dict[str, str],
    path: Path,
    python_version: str,
    legacy_files: dict[str, Any],
) -> dict[str, Chosen]:
    chosen: dict[str, Chosen] = {}
    seen: set[tuple[str, tuple[str, ...]]] = set()
    todo: list[tuple[Edge, str | None]] = [(e, None) for e in roots if _edge_holds(e, env, path, python_version, e[2])]
    while todo:
        edge, parent = todo.pop()
        name, _, extras, _ = edge
        if name not in packages:
            raise InputError(f"{path} does not lock {name}, which pyproject.toml requires: run `poetry lock`")
        if name in chosen:
            chosen[name].via.update([parent] if parent else [])
            chosen[name].direct |= parent is None
        else:
            chosen[name] = _chosen(packages[name], path, legacy_files)
            chosen[name].via.update([parent] if parent else [])
            chosen[name].direct = parent is None
        key = (name, tuple(sorted(extras)))
        if key in seen:
            continue
        seen.add(key)
        pkg = packages[name]
        enabled = {
            canonicalize_name(d.split()[0].split("[")[0]) for e in extras for d in pkg.get("extras", {}).get(e, [])
        }
        for dep_name, spec in pkg.get("dependencies", {}).items():
            for one in spec if isinstance(spec, list) else [spec]:
                one = one if isinstance(one, dict) else {"version": one}
                dep = canonicalize_name(dep_name)
                if one.get("optional") and dep not in enabled:
                    continue
                dep_edge: Edge = (dep, one.get("markers"), tuple(one.get("extras", ())), one.get("python"))
                if _edge_holds(dep_edge, env, path, python_version, extras):
                    todo.append((dep_edge, name))
    return chosen


def _by_lock_groups(
    packages: dict[str, Any],
    options: ProjectOptions,
    env: dict[str, str],
    path: Path,
    python_version: str,
    legacy_files: dict[str, Any],
) -> dict[str, Chosen]:
    """No pyproject beside the lock: its own `groups` and per-group `markers` (2.1) or `category` (1.x)."""
    wanted = {"main", *options.groups}
    chosen: dict[str, Chosen] = {}
    for name, pkg in packages.items():
        groups = pkg.get("groups") or [pkg.get("category", "main")]
        markers = pkg.get("markers")
        for group in set(groups) & wanted:
            marker = markers.get(group) if isinstance(markers, dict) else markers
            if marker_true(marker, env, path, options.extras) and (pkg.get("optional") is not True or options.extras):
                chosen[name] = _chosen(pkg, path, legacy_files)
                break
    for name, pkg in packages.items():
        for dep in pkg.get("dependencies", {}):
            if name in chosen and canonicalize_name(dep) in chosen:
                chosen[canonicalize_name(dep)].via.add(name)
    for c in chosen.values():
        c.direct = not c.via
    return chosen


def _chosen(pkg: dict[str, Any], path: Path, legacy_files: dict[str, Any]) -> Chosen:
    name = canonicalize_name(pkg["name"])
    source = pkg.get("source") or {}
    kind = source.get("type")
    files = pkg.get("files") or legacy_files.get(pkg["name"]) or legacy_files.get(name) or []
    hashes = tuple(f["hash"] for f in files if f.get("hash"))
    if kind in ("directory", "file"):
        return Chosen(name, f"{name} @ {file_url(path.parent, source['url'])}")
    if kind == "git":
        ref = source.get("resolved_reference") or source.get("reference")
        sub = f"#subdirectory={source['subdirectory']}" if source.get("subdirectory") else ""
        return Chosen(name, f"{name} @ git+{source['url']}@{ref}{sub}")
    if kind == "url":
        return Chosen(name, f"{name} @ {source['url']}", hashes)
    return Chosen(name, f"{name}=={pkg['version']}", hashes)
