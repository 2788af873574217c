"""uv.lock (workspaces too) -> locked lines: the lock's versions and hashes, never re-resolved.

The graph is walked from the root project (or `--package MEMBER`): its dependencies, plus the extras
(`--extra`) and groups (`--group`) named, each edge's marker evaluated for the target (Linux, CPython,
the runtime's Python, the target's machine). A universal lock that forks by Python names the version per
edge, so the walk lands on the runtime's branch. Workspace members reached become `name @ file:///abs`
(their dependencies come from the lock); the project itself is left out unless `--include-project`;
virtual members are never installed, only walked through. A lock stale against its pyproject files is
refused (uv_lock_stale.py) unless `--no-check-lock`.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from layerbuild.errors import InputError
from layerbuild.resolve.inputs import Manifest, ProjectOptions

PYPI = "https://pypi.org/simple"
MACHINES = ("x86_64", "aarch64")
_LOCAL = ("editable", "directory", "virtual")
_EXTRA_MARKER = re.compile(r"""extra\s*(==|!=)\s*(['"])(.*?)\2""")
Package = dict[str, Any]
_ROOT = ("", "", "")  # the requirements' own node in the graph


def toml_file(path: Path) -> dict[str, Any]:
    """A TOML file as a table; not TOML (or not UTF-8) is one line."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path} is not valid TOML ({exc})") from None
    return data


def load(path: Path) -> dict[str, Any]:
    """The lock as TOML, refused in one line when it is not one layerbuild reads."""
    data = toml_file(path)
    if data.get("version") != 1:
        raise InputError(
            f"{path} is uv.lock version {data.get('version')!r}; layerbuild reads version 1: "
            "update layerbuild, or lock with a uv that writes version 1"
        )
    if not isinstance(data.get("package", []), list):
        raise InputError(f"{path}: [[package]] is not a list of tables: regenerate it with `uv lock`")
    return data


def key(pkg: Package) -> tuple[str, str, str]:
    return (_canon(pkg.get("name", "")), str(pkg.get("version", "")), repr(sorted(pkg.get("source", {}).items())))


def _canon(name: str) -> str:
    from layerbuild.facts.pep503 import canonicalize_name

    return str(canonicalize_name(name))


def local_path(pkg: Package) -> str | None:
    """The folder (relative to the lock) of a workspace member or local project, if the package is one."""
    source = pkg.get("source", {})
    return next((str(source[kind]) for kind in _LOCAL if kind in source), None)


def members(data: dict[str, Any], packages: list[Package], root: Path) -> dict[str, Package]:
    """The workspace members by name (one project: itself), each checked to lie inside the workspace."""
    named = {_canon(n) for n in data.get("manifest", {}).get("members", [])}
    found: dict[str, Package] = {}
    for pkg in packages:
        rel = local_path(pkg)
        name = _canon(pkg.get("name", ""))
        if rel is None or not (name in named or (not named and rel == ".")):
            continue
        where = (root / rel).resolve()
        if not where.is_relative_to(root.resolve()):
            raise InputError(f"workspace member {name} is at {where}, outside the workspace {root.resolve()}")
        found[name] = pkg
    return found


class Graph:
    """The lock's packages, and the walk from one project for one target."""

    def __init__(self, path: Path, packages: list[Package]) -> None:
        self.path = path
        self.by_name: dict[str, list[Package]] = {}
        for pkg in packages:
            self.by_name.setdefault(_canon(pkg.get("name", "")), []).append(pkg)

    def find(self, dep: dict[str, Any]) -> Package:
        """The package a dependency entry names (by version and source when the lock holds several)."""
        name = _canon(dep.get("name", ""))
        found = [
            p
            for p in self.by_name.get(name, [])
            if ("version" not in dep or str(p.get("version")) == str(dep["version"]))
            and ("source" not in dep or p.get("source") == dep["source"])
        ]
        if len(found) != 1:
            what = f"{name} {dep.get('version', '')}".strip()
            holds = "no such package" if not found else "several such packages"
            raise InputError(f"{self.path} names {what} but holds {holds}: run `uv lock`")
        return found[0]

    def walk(
        self, starts: list[dict[str, Any]], env: dict[str, str], active: frozenset[str]
    ) -> dict[tuple[str, str, str], set[tuple[str, str, str]]]:
        """{package key: keys of its parents (_ROOT for the starts)}, every edge's marker true for `env`."""
        parents: dict[tuple[str, str, str], set[tuple[str, str, str]]] = {}
        seen: set[tuple[tuple[str, str, str], str | None]] = set()
        todo: list[tuple[tuple[str, str, str], list[dict[str, Any]]]] = [(_ROOT, starts)]
        while todo:
            parent, deps = todo.pop()
            for dep in deps:
                if not evaluate(dep.get("marker"), env, active):
                    continue
                child = self.find(dep)
                ck = key(child)
                parents.setdefault(ck, set()).add(parent)
                for extra in [None, *dep.get("extra", [])]:
                    if (ck, extra) in seen:
                        continue
                    seen.add((ck, extra))
                    if extra is None:
                        todo.append((ck, list(child.get("dependencies", []))))
                    else:
                        todo.append((ck, list(child.get("optional-dependencies", {}).get(extra, []))))
        return parents


def evaluate(marker: str | None, env: dict[str, str], active: frozenset[str]) -> bool:
    """A lock marker for the target; `extra == '…'` (uv's conflict markers) is true for the active set."""
    if not marker:
        return True
    from packaging.markers import InvalidMarker, Marker

    def extra(m: re.Match[str]) -> str:
        hit = m[3] in active
        return "'1' == '1'" if hit == (m[1] == "==") else "'1' == '0'"

    try:
        return Marker(_EXTRA_MARKER.sub(extra, marker)).evaluate(env)
    except InvalidMarker:
        raise InputError(f"uv.lock marker {marker!r} is not a valid marker: regenerate the lock") from None


def line_for(pkg: Package, root: Path) -> tuple[str, list[str]]:
    """(requirement, hashes) for a package: `name==version` from a registry, `name @ URL` otherwise."""
    name, source = _canon(pkg["name"]), pkg.get("source", {})
    hashes = [w["hash"] for w in pkg.get("wheels", []) if "hash" in w]
    if "hash" in pkg.get("sdist", {}):
        hashes.append(pkg["sdist"]["hash"])
    if "registry" in source:
        return f"{name}=={pkg['version']}", hashes
    if local_path(pkg) is not None or "path" in source:
        return f"{name} @ {(root / (local_path(pkg) or source['path'])).resolve().as_uri()}", hashes
    if "url" in source:
        sub = source.get("subdirectory")
        return f"{name} @ {source['url']}" + (f"#subdirectory={sub}" if sub else ""), hashes
    if "git" in source:
        return f"{name} @ {git_url(source['git'])}", []
    raise InputError(f"uv.lock: {name} {pkg.get('version', '')} has a source layerbuild cannot read: {source}")


def git_url(locked: str) -> str:
    """uv's `https://host/repo?rev=…&subdirectory=…#COMMIT` as pip's `git+https://host/repo@COMMIT#subdirectory=…`."""
    from urllib.parse import parse_qs

    base, _, commit = locked.partition("#")
    repo, _, query = base.partition("?")
    sub = parse_qs(query).get("subdirectory", [None])[0]
    return f"git+{repo}@{commit}" + (f"#subdirectory={sub}" if sub else "")


def index_args(pkgs: Iterable[Package], root: Path) -> tuple[str, ...]:
    """The indexes the lock's registry packages come from (PyPI needs no option)."""
    registries = sorted({str(p["source"]["registry"]) for p in pkgs if "registry" in p.get("source", {})})
    args: list[str] = []
    others = [r for r in registries if r.rstrip("/") != PYPI]
    for registry in others:
        if "://" not in registry:
            args += ["--find-links", str((root / registry).resolve())]
        elif not args and PYPI not in registries:
            args += ["--index-url", registry]
        else:
            args += ["--extra-index-url", registry]
    return tuple(args)


def read(path: Path, options: ProjectOptions, python_version: str, machine: str | None = None) -> Manifest:
    """The locked lines for `options.package` (else the root project) of the uv.lock at `path`, for the
    runtime's Python and `machine` (when None, both Lambda machines: lines only one needs get a marker)."""
    from layerbuild.resolve.inputs.uv_lock_select import locked_lines

    data = load(path)
    root = path.parent
    packages: list[Package] = data.get("package", [])
    workspace = members(data, packages, root)
    if options.check_lock:
        from layerbuild.resolve.inputs.uv_lock_stale import check_fresh

        check_fresh(path, workspace, data.get("requires-python"))
    from layerbuild.resolve.inputs.uv_lock_wheels import targets_for, without_wheels

    lines, used = locked_lines(Graph(path, packages), workspace, options, python_version, machine, root)
    indexes = index_args(used, root)
    from_source = without_wheels(used, targets_for(python_version, (machine,) if machine else MACHINES), indexes)
    return Manifest(
        kind="uv.lock",
        path=path,
        lines=(*from_source, *lines),
        locked=True,
        requires_python=data.get("requires-python"),
        index_args=indexes,
    )
