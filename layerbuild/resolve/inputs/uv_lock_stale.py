"""Is a uv.lock stale against its pyproject files? uv records each member's requirements in the lock
(`[package.metadata] requires-dist`, `requires-dev`) and the workspace's members (`[manifest] members`);
when they no longer match what the pyproject files say, the lock is refused with one line saying to run
`uv lock`. Requirements are compared by name, extras, specifier and what their markers mean (uv writes
`python_version < '3.11'` as `python_full_version < '3.11'`), never by their sources (uv lowers those)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from layerbuild.errors import InputError

if TYPE_CHECKING:
    from layerbuild.resolve.inputs.uv_lock import Package

Req = tuple[str, tuple[str, ...], str, str | None]  # name, extras, specifier, marker


def check_fresh(path: Path, workspace: dict[str, Package], requires_python: str | None = None) -> None:
    from layerbuild.resolve.inputs.uv_lock import local_path

    root = path.parent
    fix = "run `uv lock` (or pass --no-check-lock to build from it anyway)"
    root_toml = _toml(root / "pyproject.toml")
    if root_toml is not None and "workspace" in root_toml.get("tool", {}).get("uv", {}):
        declared = _declared_members(root, root_toml)
        if declared != set(workspace):
            diff = ", ".join(sorted(declared ^ set(workspace)))
            raise InputError(f"{path} is stale: the workspace's members changed ({diff}): {fix}")
    for name, pkg in sorted(workspace.items()):
        pyproject = root / (local_path(pkg) or ".") / "pyproject.toml"
        toml = _toml(pyproject)
        if toml is None:
            raise InputError(f"{path} is stale: member {name} has no {pyproject}: {fix}")
        metadata = pkg.get("metadata", {})
        project = toml.get("project", {})
        if "project" in toml and "dependencies" not in project.get("dynamic", []):
            locked = [_locked(r) for r in metadata.get("requires-dist", [])]
            if not _same(_declared_dist(project), locked, requires_python):
                raise InputError(f"{path} is stale: {pyproject}'s dependencies no longer match the lock: {fix}")
        groups = _declared_groups(toml)
        locked_groups = {g: [_locked(r) for r in rs] for g, rs in metadata.get("requires-dev", {}).items()}
        if set(groups) != set(locked_groups) or any(
            not _same(groups[g], locked_groups[g], requires_python) for g in groups
        ):
            raise InputError(f"{path} is stale: {pyproject}'s dependency groups no longer match the lock: {fix}")


def _toml(path: Path) -> dict[str, Any] | None:
    from layerbuild.resolve.inputs.uv_lock import toml_file

    return toml_file(path) if path.is_file() else None


def _declared_members(root: Path, toml: dict[str, Any]) -> set[str]:
    from layerbuild.resolve.inputs.uv_lock import _canon

    table = toml["tool"]["uv"]["workspace"]
    excluded = {p.resolve() for pattern in table.get("exclude", []) for p in root.glob(pattern)}
    names = set()
    if "project" in toml:
        names.add(_canon(toml["project"].get("name", "")))
    for pattern in table.get("members", []):
        for folder in root.glob(pattern):
            member = _toml(folder / "pyproject.toml") if folder.resolve() not in excluded else None
            if member is not None and "project" in member:
                names.add(_canon(member["project"].get("name", "")))
    return names


def _parse(text: str, extra: str | None = None) -> Req:
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        req = Requirement(text)
    except InvalidRequirement as exc:
        raise InputError(f"dependency {text!r} is not a valid requirement ({exc})") from None
    marker = str(req.marker) if req.marker else None
    if extra is not None:
        marker = f"({marker}) and extra == '{extra}'" if marker else f"extra == '{extra}'"
    from layerbuild.resolve.inputs.uv_lock import _canon

    return (_canon(req.name), tuple(sorted(_canon(e) for e in req.extras)), str(req.specifier), marker)


def _declared_dist(project: dict[str, Any]) -> list[Req]:
    reqs = [_parse(r) for r in project.get("dependencies", [])]
    for extra, items in project.get("optional-dependencies", {}).items():
        reqs += [_parse(r, extra) for r in items]
    return reqs


def _declared_groups(toml: dict[str, Any]) -> dict[str, list[Req]]:
    from layerbuild.resolve.inputs.uv_lock import _canon

    table = {_canon(k): v for k, v in toml.get("dependency-groups", {}).items()}

    def expand(group: str, stack: tuple[str, ...]) -> list[Req]:
        out: list[Req] = []
        for item in table.get(group, []):
            if isinstance(item, dict) and "include-group" in item:
                inner = _canon(item["include-group"])
                if inner not in stack:
                    out += expand(inner, (*stack, inner))
            elif isinstance(item, str):
                out.append(_parse(item))
        return out

    groups = {g: expand(g, (g,)) for g in table}
    legacy = toml.get("tool", {}).get("uv", {}).get("dev-dependencies")
    if legacy:
        groups["dev"] = groups.get("dev", []) + [_parse(r) for r in legacy]
    return groups


def _locked(entry: dict[str, Any]) -> Req:
    from packaging.specifiers import SpecifierSet

    from layerbuild.resolve.inputs.uv_lock import _canon

    extras = tuple(sorted(_canon(e) for e in entry.get("extras", [])))
    return (_canon(entry.get("name", "")), extras, str(SpecifierSet(entry.get("specifier", ""))), entry.get("marker"))


def _same(declared: list[Req], locked: list[Req], requires_python: str | None) -> bool:
    """Equal as multisets, markers compared by their truth on a grid of environments."""
    if sorted(r[:3] for r in declared) != sorted(r[:3] for r in locked):
        return False
    rest = list(locked)
    for req in declared:
        match = next((r for r in rest if r[:3] == req[:3] and _same_marker(r[3], req[3], requires_python)), None)
        if match is None:
            return False
        rest.remove(match)
    return True


def _same_marker(a: str | None, b: str | None, requires_python: str | None) -> bool:
    if a == b:
        return True
    import itertools
    import re

    from packaging.markers import Marker
    from packaging.specifiers import SpecifierSet

    allowed = SpecifierSet(requires_python or "")
    pythons = [f"3.{minor}.{patch}" for minor in range(6, 16) for patch in (0, 5)]
    extras = {e for m in (a, b) if m for e in re.findall(r"extra\s*==\s*['\"]([^'\"]+)", m)}
    left, right = (Marker(m) if m else None for m in (a, b))
    for py, (plat, system, os_name), machine, impl, extra in itertools.product(
        [p for p in pythons if allowed.contains(p)] or pythons,
        (("linux", "Linux", "posix"), ("darwin", "Darwin", "posix"), ("win32", "Windows", "nt")),
        ("x86_64", "aarch64", "arm64", "AMD64"),
        ("cpython", "pypy"),
        ["", *sorted(extras)],
    ):
        env = {
            "python_full_version": py,
            "python_version": py.rsplit(".", 1)[0],
            "sys_platform": plat,
            "platform_system": system,
            "os_name": os_name,
            "platform_machine": machine,
            "implementation_name": impl,
            "platform_python_implementation": "CPython" if impl == "cpython" else "PyPy",
            "extra": extra,
        }
        if (left.evaluate(env) if left else True) != (right.evaluate(env) if right else True):
            return False
    return True
