"""`PKG:GLOB` patterns of --keep/--drop (and the known breakers): parsing and matching."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import PurePosixPath

from layerbuild.errors import InputError
from layerbuild.facts.pep503 import canonicalize_name


@dataclass(frozen=True)
class PathPattern:
    """`PKG:GLOB` from --keep/--drop or the config: GLOB is relative to the layer's python/ folder.

    `*` stays within a folder, `**` spans folders, and a pattern that names a folder covers every
    file below it (`pandas:pandas/tests` is the same as `pandas:pandas/tests/**`). PKG `*` means any
    distribution.
    """

    distribution: str
    glob: str
    text: str  # as given, for messages and rule names

    @property
    def regex(self) -> re.Pattern[str]:
        return _glob_regex(self.glob)

    def matches(self, distribution: str, path: str) -> bool:
        return self.distribution in ("*", distribution) and self.regex.match(path) is not None


@lru_cache(maxsize=1024)  # a pattern is matched against every file: build its regex once (0.1 s of a slim)
def _glob_regex(glob: str) -> re.Pattern[str]:
    out, i = [], 0
    while i < len(glob):
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif glob.startswith("**", i):
            out.append(".*")
            i += 2
        else:
            c = glob[i]
            out.append("[^/]*" if c == "*" else "[^/]" if c == "?" else re.escape(c))
            i += 1
    return re.compile("".join(out).rstrip("/") + r"(?:/.*)?\Z")


def parse_path_patterns(values: tuple[str, ...] | list[str], flag: str) -> tuple[PathPattern, ...]:
    """Parse `PKG:GLOB` values; a malformed one is an InputError naming the flag."""
    patterns = []
    for value in values:
        pkg, sep, glob = value.partition(":")
        glob = glob.strip()
        glob = glob[2:] if glob.startswith("./") else glob
        parts = PurePosixPath(glob).parts
        if not sep or not pkg.strip() or not glob or glob.startswith("/") or ".." in parts:
            raise InputError(
                f"{flag} {value!r} is not PKG:GLOB with a path inside the layer: "
                f"write e.g. {flag} numpy:numpy/_core/tests/**"
            )
        dist = pkg.strip() if pkg.strip() == "*" else canonicalize_name(pkg.strip())
        patterns.append(PathPattern(dist, glob, value))
    return tuple(patterns)


def patterns_of(
    keep: tuple[str, ...], drop: tuple[str, ...]
) -> tuple[tuple[PathPattern, ...], tuple[PathPattern, ...]]:
    """(keep, drop) patterns of --keep/--drop; malformed ones are InputErrors (exit 2) before any work."""
    return parse_path_patterns(keep, "--keep"), parse_path_patterns(drop, "--drop")
