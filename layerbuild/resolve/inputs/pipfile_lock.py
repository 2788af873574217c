"""Pipfile.lock (pipfile-spec 6) as locked lines: its `default` section only (`develop` never), each entry's
markers evaluated for the runtime. The lock is stale when `_meta.hash.sha256` is not Pipenv's hash of the
Pipfile beside it (plette's `Pipfile.get_hash`: sha256 of the sorted, compact JSON of its sections)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from layerbuild.errors import InputError
from layerbuild.facts.pep503 import canonicalize_name
from layerbuild.model.target import marker_environment as marker_env
from layerbuild.resolve.inputs import Manifest, ProjectOptions
from layerbuild.resolve.inputs.locked_lines import (
    Chosen,
    file_url,
    load_json,
    load_toml,
    marker_true,
    per_machine,
)

_PIPFILE_SECTIONS = {"source", "packages", "dev-packages", "requires", "scripts", "pipfile", "pipenv"}
_DEFAULT_SOURCE = {"name": "pypi", "url": "https://pypi.org/simple", "verify_ssl": True}


def read(path: Path, options: ProjectOptions, python_version: str) -> Manifest:
    lock = load_json(path, "Pipfile.lock")
    if not isinstance(lock, dict) or not isinstance(lock.get("default", {}), dict):
        raise InputError(f"{path} is not a Pipfile.lock (no `default` table): regenerate it with `pipenv lock`")
    meta = lock.get("_meta", {})
    spec = meta.get("pipfile-spec", 6)
    if spec != 6:
        raise InputError(f"{path}: unknown Pipfile.lock version (pipfile-spec {spec}; this layerbuild reads 6)")
    pipfile = path.parent / "Pipfile"
    if options.check_lock and pipfile.is_file():
        expected = pipfile_hash(load_toml(pipfile, "Pipfile"))
        if meta.get("hash", {}).get("sha256") != expected:
            raise InputError(
                f"{path} is stale against {pipfile} (its hash differs): run `pipenv lock` to refresh it, "
                "or pass --no-check-lock"
            )
    if options.groups and any(g not in ("default", "packages") for g in options.groups):
        raise InputError(f"{path}: a Pipfile.lock layer holds `default` only; --group {options.groups[0]} is not one")
    default: dict[str, Any] = lock.get("default", {})

    def select(machine: str) -> dict[str, Chosen]:
        env = marker_env(python_version, machine)
        chosen: dict[str, Chosen] = {}
        for raw, entry in default.items():
            if not marker_true(entry.get("markers"), env, path):
                continue
            name = canonicalize_name(raw)
            chosen[name] = Chosen(name, _spec(name, entry, path), tuple(entry.get("hashes", ())), direct=True)
        return chosen

    index_args: list[str] = []
    for source in meta.get("sources", [])[1:]:
        if source.get("url"):
            index_args += ["--extra-index-url", source["url"]]
    if meta.get("sources") and meta["sources"][0].get("url", "").rstrip("/") != _DEFAULT_SOURCE["url"]:
        index_args = ["--index-url", meta["sources"][0]["url"], *index_args]
    python = meta.get("requires", {}).get("python_full_version") or meta.get("requires", {}).get("python_version")
    requires = f"=={python}" if python and python.count(".") == 2 else (f"=={python}.*" if python else None)
    return Manifest("Pipfile.lock", path, tuple(per_machine(select)), True, requires, tuple(index_args))


def pipfile_hash(pipfile: dict[str, Any]) -> str:
    data: dict[str, Any] = {
        "_meta": {"sources": pipfile.get("source") or [_DEFAULT_SOURCE], "requires": pipfile.get("requires", {})},
        "default": pipfile.get("packages", {}),
        "develop": pipfile.get("dev-packages", {}),
    }
    for category, values in pipfile.items():
        if category not in _PIPFILE_SECTIONS and category not in ("default", "develop"):
            data[category] = values
    return hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _spec(name: str, entry: dict[str, Any], path: Path) -> str:
    extras = f"[{','.join(sorted(entry['extras']))}]" if entry.get("extras") else ""
    if entry.get("path") or entry.get("file", "").startswith(("./", "../", "/")):
        return f"{name}{extras} @ {file_url(path.parent, entry.get('path') or entry['file'])}"
    if entry.get("file"):
        return f"{name}{extras} @ {entry['file']}"
    for vcs in ("git", "hg", "svn", "bzr"):
        if entry.get(vcs):
            ref = entry.get("ref")
            return f"{name}{extras} @ {vcs}+{entry[vcs]}" + (f"@{ref}" if ref else "")
    version = entry.get("version", "")
    if not version.startswith("=="):
        raise InputError(f"{path}: {name} is not pinned (version {version or 'missing'}): run `pipenv lock`")
    return f"{name}=={version[2:]}"
