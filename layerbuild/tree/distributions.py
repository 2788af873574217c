"""The distributions in an installed tree (a staging folder or an unzipped layer's `python/`)."""

from __future__ import annotations

import csv
import io
import posixpath
from dataclasses import dataclass
from email.parser import HeaderParser
from pathlib import Path

from layerbuild.resolve.resolver import normalize


@dataclass(frozen=True)
class Distribution:
    name: str  # normalized
    version: str
    dist_info: str  # the *.dist-info folder, relative to the tree
    files: tuple[str, ...]  # paths relative to the tree (posix), from RECORD
    top_level: tuple[str, ...]  # importable top-level modules and packages
    pure: bool  # Root-Is-Purelib
    wheel_tags: tuple[str, ...]


def _top_level_from_files(files: list[str]) -> list[str]:
    names = set()
    for f in files:
        parts = f.split("/")
        if not parts or parts[0] in ("..", "bin") or parts[0].endswith((".dist-info", ".data", ".libs")):
            continue
        if parts[0] == "__pycache__":
            continue
        if len(parts) == 1:
            stem = parts[0].split(".", 1)[0]
            if parts[0].endswith((".py", ".so", ".pyd", ".pyc")) and stem.isidentifier():  # .pyc: sourceless
                names.add(stem)
        elif parts[0].isidentifier() and f.endswith((".py", ".so", ".pyc")):
            names.add(parts[0])  # a package, or a namespace package
    return sorted(names)


def parse_dist_info(name: str, read_text) -> Distribution | None:
    """`name` is the `*.dist-info` folder; `read_text(relpath)` returns a file's text or None."""
    metadata = read_text(f"{name}/METADATA")
    if metadata is None:
        return None
    headers = HeaderParser().parsestr(metadata, headersonly=True)
    record = read_text(f"{name}/RECORD") or ""
    files = [row[0] for row in csv.reader(io.StringIO(record)) if row and row[0]]
    # posixpath, not PurePosixPath: a layer's RECORDs hold thousands of rows and this runs per build.
    files = [posixpath.normpath(f) for f in files if not f.startswith("/")]
    wheel = HeaderParser().parsestr(read_text(f"{name}/WHEEL") or "", headersonly=True)
    # From the files, not top_level.txt: that file is optional and often lists names a wheel lacks.
    top_level = _top_level_from_files(files)
    return Distribution(
        name=normalize(headers.get("Name", name.split("-")[0])),
        version=headers.get("Version", "?"),
        dist_info=name,
        files=tuple(files),
        top_level=tuple(top_level),
        pure=(wheel.get("Root-Is-Purelib", "true").strip().lower() == "true"),
        wheel_tags=tuple(wheel.get_all("Tag") or ()),
    )


def owner_lookup(dists: list[Distribution]):
    """`owner_of(path)`: the distribution whose RECORD lists `path`, else the one owning its top-level
    folder (files added after install, e.g. .pyc), else ""."""
    owner: dict[str, str] = {}
    top_owner: dict[str, str] = {}
    for d in dists:
        for f in d.files:
            owner[f] = d.name
            first = f.split("/", 1)[0]
            if not first.endswith(".dist-info"):
                top_owner.setdefault(first, d.name)

    def owner_of(path: str) -> str:
        return owner.get(path) or top_owner.get(path.split("/", 1)[0], "")

    return owner_of


def distributions_in_dir(root: Path) -> list[Distribution]:
    def read_text(rel: str) -> str | None:
        p = root / rel
        try:
            return p.read_text(encoding="utf-8", errors="replace")
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return None

    found = []
    for entry in sorted(root.glob("*.dist-info")):
        dist = parse_dist_info(entry.name, read_text)
        if dist:
            found.append(dist)
    return found
