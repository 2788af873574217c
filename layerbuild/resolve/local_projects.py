"""Local path requirements (`./libs/common`, `name @ file:///…`, `-e ../shared`): where they are and
what they are called, read from the project's own files without building it.

uv needs a name for a local project before it may build it (`--no-binary NAME`; everything else is
resolved `--only-binary :all:`), and the lock names every pin. The name comes from, in order:
pyproject.toml `[project] name` (PEP 621), setup.cfg `[metadata] name`, a literal `name=` in
setup.py's `setup(...)` call, or a wheel's or sdist's file name (PEP 427 / PEP 625 `name-version`).

Relative paths resolve as pip resolves them, from the working directory, and fall back to the
requirements file's folder (where uv looks); when neither holds the path, the error names both.
"""

from __future__ import annotations

import ast
import configparser
import re
import sys
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from layerbuild.errors import InputError
from layerbuild.facts.pep503 import canonicalize_name

ARCHIVE_SUFFIXES = (".whl", ".tar.gz", ".tgz", ".tar.bz2", ".zip")


@dataclass(frozen=True)
class LocalProject:
    name: str  # normalized distribution name
    path: Path  # absolute
    editable: bool = False

    @property
    def url(self) -> str:
        return self.path.as_uri()


def looks_local(spec: str) -> bool:
    """A requirement that names a path (pip's rule: starts like a path, or names an archive file)."""
    head = spec.split(";", 1)[0].strip()
    direct = re.match(r"^[A-Za-z0-9][A-Za-z0-9._-]*\s*(?:\[[^\]]*\])?\s*@\s*(?P<url>\S+)", head)
    if direct:
        return direct["url"].startswith("file:")
    if head.startswith("file:"):
        return True
    if "://" in head or head.startswith("git+"):
        return False
    bare = re.sub(r"\[[^\]]*\]$", "", head)
    return bare.startswith((".", "/", "~")) or bare.endswith(ARCHIVE_SUFFIXES) or "/" in bare


def path_of_url(url: str) -> str:
    """`file:///abs/p%20q` -> `/abs/p q`; `file://localhost/x` -> `/x`."""
    parsed = urllib.parse.urlparse(url)
    if parsed.netloc not in ("", "localhost"):
        return url  # file://host/share: not a path on this machine
    return urllib.parse.unquote(parsed.path)


def locate(value: str, requirements_file: Path, where: str) -> Path:
    """The folder or archive a path requirement names: the working directory first, then the file's folder."""
    raw = Path(value).expanduser()
    if raw.is_absolute():
        if raw.exists():
            return raw.resolve()
        raise InputError(f"{where}: local package {value} does not exist: check the path")
    cwd, beside = (Path.cwd() / raw), (requirements_file.parent / raw)
    for candidate in (cwd, beside):
        if candidate.exists():
            return candidate.resolve()
    raise InputError(
        f"{where}: local package {value} is neither at {cwd.resolve()} (from the working directory) "
        f"nor at {beside.resolve()} (beside the requirements file): check the path"
    )


def project_name(path: Path) -> str | None:
    """The distribution name a local folder or archive declares, or None when only a build would tell."""
    if path.is_file():
        base = path.name
        for suffix in ARCHIVE_SUFFIXES:
            if base.endswith(suffix):
                stem = base[: -len(suffix)]
                name = stem.split("-", 1)[0] if suffix == ".whl" else stem.rsplit("-", 1)[0]
                return canonicalize_name(name) if name else None
        return None
    pyproject = path / "pyproject.toml"
    if pyproject.is_file():
        if sys.version_info >= (3, 11):
            import tomllib
        else:  # Python 3.10
            import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]
        declared: object
        try:
            declared = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {}).get("name")
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError):
            declared = None
        if isinstance(declared, str) and declared.strip():
            return canonicalize_name(declared.strip())
    setup_cfg = path / "setup.cfg"
    if setup_cfg.is_file():
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read(setup_cfg, encoding="utf-8")
            cfg_name = parser.get("metadata", "name", fallback="")
        except (configparser.Error, UnicodeDecodeError):
            cfg_name = ""
        if cfg_name.strip() and "%" not in cfg_name and "attr:" not in cfg_name:
            return canonicalize_name(cfg_name.strip())
    setup_py = path / "setup.py"
    if setup_py.is_file():
        try:
            tree = ast.parse(setup_py.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError, ValueError):
            return None
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "setup":
                for kw in node.keywords:
                    if kw.arg == "name" and isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str):
                        return canonicalize_name(kw.value.value)
    return None


def local_project(spec: str, requirements_file: Path, where: str, editable: bool = False) -> tuple[LocalProject, str]:
    """Read a local path requirement; returns the project and the line uv gets (`name[extras] @ file:///abs ; markers`)."""
    head, sep, markers = spec.partition(";")
    head = head.strip()
    name: str | None = None
    m = re.match(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?P<extras>\[[^\]]*\])?\s*@\s*(?P<url>\S+)$", head)
    if m:  # `name @ file:///…`
        name, extras, value = m["name"], m["extras"] or "", m["url"]
    else:
        bare = re.match(r"^(?P<value>.*?)(?P<extras>\[[^\]]*\])?$", head)  # matches every string
        assert bare is not None
        value, extras = bare["value"], bare["extras"] or ""
    if value.startswith("file:"):
        value = path_of_url(value)
        if "://" in value:
            raise InputError(f"{where}: {value} is on another machine: copy the package here and name its path")
    path = locate(value, requirements_file, where)
    declared = project_name(path)
    if name is None:
        if declared is None:
            raise InputError(
                f"{where}: cannot tell the package name of {value} without building it: "
                f"write it as NAME @ {path.as_uri()}"
            )
        name = declared
    project = LocalProject(canonicalize_name(name), path, editable)
    line = f"{project.name}{extras} @ {project.url}" + (f" ;{markers}" if sep else "")
    return project, line


# Folders a build writes or a checkout holds that are not the project's sources.
_NOT_SOURCES = {
    ".git",
    ".hg",
    ".svn",
    "__pycache__",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    "node_modules",
    "build",
    "dist",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
}


def tree_digest(paths: list[Path]) -> str:
    """sha256 over every source file (relative name and content) of local projects or archives."""
    import hashlib
    import os

    h = hashlib.sha256()
    for root in paths:
        h.update(f"\0root:{root}\0".encode())
        if root.is_file():
            h.update(root.read_bytes())
            continue
        for folder, dirs, names in os.walk(root):
            dirs[:] = sorted(d for d in dirs if d not in _NOT_SOURCES and not d.endswith(".egg-info"))
            for name in sorted(names):
                file = Path(folder, name)
                if file.is_symlink() or not file.is_file() or name.endswith((".pyc", ".pyo")):
                    continue
                h.update(f"\0{file.relative_to(root).as_posix()}\0".encode())
                with open(file, "rb") as f:
                    for block in iter(lambda: f.read(1 << 20), b""):
                        h.update(block)
    return h.hexdigest()
