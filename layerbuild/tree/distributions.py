"""The distributions in an installed tree (a staging folder or an unzipped layer's `python/`).

`parse_dist_info` reads one `*.dist-info` through a `read_text` function, so the same code serves a
folder, a zip (`measure/inventory.py`) and the build's `TreeIndex`, which reads each file once.
"""

from __future__ import annotations

import csv
import io
import posixpath
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from layerbuild.facts.pep503 import canonicalize_name
from layerbuild.tree import counts

ReadText = Callable[[str], "str | None"]


@dataclass(frozen=True)
class Distribution:
    name: str  # normalized
    version: str
    dist_info: str  # the *.dist-info folder, relative to the tree
    files: tuple[str, ...]  # paths relative to the tree (posix), from RECORD
    top_level: tuple[str, ...]  # importable top-level modules and packages
    pure: bool  # Root-Is-Purelib
    wheel_tags: tuple[str, ...]
    requires_dist: tuple[str, ...] = ()  # METADATA's Requires-Dist lines, as written


def top_level_from_files(files: Iterable[str]) -> list[str]:
    """Importable top-level names among RECORD paths (not top_level.txt: that file is optional and
    often lists names a wheel lacks)."""
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


def record_files(rows: Iterable[list[str]]) -> list[str]:
    """The paths of RECORD rows, normalized (posixpath, not PurePosixPath: a layer's RECORDs hold
    thousands of rows); absolute paths are not the tree's."""
    return [posixpath.normpath(row[0]) for row in rows if row and row[0] and not row[0].startswith("/")]


def parse_dist_info(name: str, read_text: ReadText) -> Distribution | None:
    """`name` is the `*.dist-info` folder; `read_text(relpath)` returns a file's text or None."""
    metadata = read_text(f"{name}/METADATA")
    if metadata is None:
        return None
    headers = headers_of(metadata)
    record = read_text(f"{name}/RECORD") or ""
    files = record_files(csv.reader(io.StringIO(record)))
    wheel = headers_of(read_text(f"{name}/WHEEL") or "")
    return Distribution(
        name=canonicalize_name(next(iter(headers.get("name", ())), name.split("-")[0])),
        version=next(iter(headers.get("version", ())), "?"),
        dist_info=name,
        files=tuple(files),
        top_level=tuple(top_level_from_files(files)),
        pure=(next(iter(wheel.get("root-is-purelib", ())), "true").strip().lower() == "true"),
        wheel_tags=tuple(wheel.get("tag", ())),
        requires_dist=tuple(headers.get("requires-dist", ())),
    )


def headers_of(text: str) -> dict[str, list[str]]:
    """The header fields of METADATA or WHEEL (RFC 822 style), by lower-cased name, each value as the
    email package's HeaderParser gives it. Plain `Name: value` lines up to the first blank line are
    read here (a tenth of the time: a build reads every distribution's); anything else, a folded
    value or a line that is no field, goes to HeaderParser."""
    fields: dict[str, list[str]] = {}
    for line in text.splitlines():
        if not line:
            return fields
        key, sep, value = line.partition(":")
        if not sep or line[0] in " \t" or not key or key != key.strip():
            return _email_headers(text)
        fields.setdefault(key.lower(), []).append(value.lstrip(" \t"))
    return fields


def _email_headers(text: str) -> dict[str, list[str]]:
    from email.parser import HeaderParser  # 12 ms to import: only for a field the fast read leaves

    fields: dict[str, list[str]] = {}
    for key, value in HeaderParser().parsestr(text, headersonly=True).items():
        fields.setdefault(key.lower(), []).append(value)
    return fields


def owner_lookup(dists: Iterable[Distribution]) -> Callable[[str], str]:
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


def read_tree_bytes(root: Path, rel: str) -> bytes | None:
    """A dist-info file of the folder `root` (counted: see counts.py), or None when there is none."""
    counts.reads[f"{root}/{rel}"] += 1
    try:
        return (root / rel).read_bytes()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None


def decode_text(data: bytes, errors: str = "replace") -> str:
    """`data` as `Path.read_text(encoding="utf-8", errors=…)` would return it (universal newlines)."""
    return data.decode("utf-8", errors).replace("\r\n", "\n").replace("\r", "\n")


def distributions_in_dir(root: Path) -> list[Distribution]:
    """Every distribution of a folder, by dist-info name (a build uses its TreeIndex instead)."""

    def read_text(rel: str) -> str | None:
        data = read_tree_bytes(root, rel)
        return None if data is None else decode_text(data)

    found = []
    for entry in sorted(root.glob("*.dist-info")):
        dist = parse_dist_info(entry.name, read_text)
        if dist:
            found.append(dist)
    return found
