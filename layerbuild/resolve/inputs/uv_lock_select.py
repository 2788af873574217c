"""Which project of a uv.lock is built (the root, or `--package MEMBER`), what it asks for (its
dependencies, `--extra`, `--group`), and the locked lines of the packages the walk reaches."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from layerbuild.errors import InputError
from layerbuild.resolve.inputs import ProjectOptions

if TYPE_CHECKING:
    from layerbuild.resolve.inputs.uv_lock import Graph, Package

Key = tuple[str, str, str]


def project_of(graph: Graph, workspace: dict[str, Package], package: str | None) -> Package:
    """The member `--package` names, else the project at the lock's folder."""
    from layerbuild.resolve.inputs.uv_lock import _canon, local_path

    names = ", ".join(sorted(workspace))
    if package is not None:
        found = workspace.get(_canon(package))
        if found is None:
            raise InputError(f"--package {package}: not a member of the workspace in {graph.path} (members: {names})")
        return found
    root = next((p for p in workspace.values() if local_path(p) == "."), None)
    if root is None:
        raise InputError(f"{graph.path}: the workspace root is not a project: choose a member with --package ({names})")
    return root


def starts_of(project: Package, options: ProjectOptions) -> tuple[list[dict[str, Any]], frozenset[str]]:
    """The project's own dependencies plus the extras and groups named, and uv's conflict names for them."""
    from layerbuild.resolve.inputs.uv_lock import _canon

    name = _canon(project["name"])
    starts = list(project.get("dependencies", []))
    active: set[str] = set()
    optional: dict[str, list[dict[str, Any]]] = {
        _canon(k): v for k, v in project.get("optional-dependencies", {}).items()
    }
    groups: dict[str, list[dict[str, Any]]] = {_canon(k): v for k, v in project.get("dev-dependencies", {}).items()}
    for kind, wanted, table in (("extra", options.extras, optional), ("group", options.groups, groups)):
        for item in wanted:
            if _canon(item) not in table:
                has = ", ".join(sorted(table)) or "none"
                raise InputError(f"--{kind} {item}: {name} has no such {kind} in uv.lock (it has: {has})")
            starts += table[_canon(item)]
            active.add(f"{kind}-{len(name)}-{name}-{_canon(item)}")
    return starts, frozenset(active)


def locked_lines(
    graph: Graph,
    workspace: dict[str, Package],
    options: ProjectOptions,
    python_version: str,
    machine: str | None,
    root: Path,
) -> tuple[list[str], list[Package]]:
    """The lines (pins with hashes and `# via`), and the packages they name."""
    from layerbuild.model.target import marker_environment
    from layerbuild.resolve.inputs.uv_lock import MACHINES, key

    project = project_of(graph, workspace, options.package)
    starts, active = starts_of(project, options)
    if options.include_project:  # the project is the start: its dependencies and extras are its own
        own = {"name": project["name"], "extra": list(options.extras)}
        own |= {k: project[k] for k in ("version", "source") if k in project}
        starts = [
            own,
            *starts_of(project, ProjectOptions(groups=options.groups))[0][len(project.get("dependencies", [])) :],
        ]
    machines = (machine,) if machine else MACHINES
    walks = {m: graph.walk(starts, marker_environment(python_version, m), active) for m in machines}
    packages = {key(p): p for ps in graph.by_name.values() for p in ps}
    skip = {key(project)} if not options.include_project else set()
    skip |= {k for k, p in packages.items() if "virtual" in p.get("source", {})}
    reached = sorted({k for walk in walks.values() for k in walk} - skip)
    lines: list[str] = []
    for k in reached:
        on = [m for m in machines if k in walks[m]]
        marker = f" ; platform_machine == '{on[0]}'" if len(on) < len(machines) else ""
        via: set[str] = set()
        for m in on:
            via |= _via(k, walks[m], skip, packages)
        lines += _pin_lines(packages[k], root, marker, via)
    return lines, [packages[k] for k in reached]


def _via(k: Key, parents: dict[Key, set[Key]], skip: set[Key], packages: dict[Key, Package]) -> set[str]:
    """The nearest listed ancestors' names (`-r requirements` for a start), through skipped packages."""
    from layerbuild.resolve.inputs.uv_lock import _ROOT, _canon

    found: set[str] = set()
    seen: set[Key] = set()
    todo = list(parents.get(k, ()))
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        if p == _ROOT:
            found.add("-r requirements")
        elif p in skip:
            todo += parents.get(p, ())
        else:
            found.add(_canon(packages[p]["name"]))
    return found


def _pin_lines(pkg: Package, root: Path, marker: str, via: set[str]) -> list[str]:
    from layerbuild.resolve.inputs.uv_lock import line_for

    requirement, hashes = line_for(pkg, root)
    lines = [" \\\n    ".join([requirement + marker, *(f"--hash={h}" for h in hashes)])]
    ordered = sorted(v for v in via if not v.startswith("-")) + sorted(v for v in via if v.startswith("-"))
    if len(ordered) == 1:
        lines.append(f"    # via {ordered[0]}")
    elif ordered:
        lines.append("    # via")
        lines.extend(f"    #   {v}" for v in ordered)
    return lines
