"""Data files a module reads through importlib.resources, pkgutil.get_data or pkg_resources, by name.

Such reads may not happen at init or in the replays (a template rendered on another route), yet they
name the file in the source: `files(__package__) / "schema.json"`, `pkgutil.get_data(__name__,
"data/words.txt")`, `resource_filename("pkg", "certs")`. A module whose source mentions one of those
APIs is parsed (ast) and every string literal in it is taken as a possible resource name: a file of
the tree whose path ends with it (when it looks like a file name, with a `.` or a `/`), or the files
under a folder of that name inside the module's own top-level package. Broader than a call-by-call
reading on purpose: a kept file costs bytes, a removed one breaks the function.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

# A source naming one of these is scanned ("importlib": `from importlib import resources` too).
_APIS = ("importlib", "pkgutil", "pkg_resources", "get_data", "resource_filename")
_MAX_LITERAL = 200


def _literals(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return set()
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value.strip().strip("/")
            if text and len(text) <= _MAX_LITERAL and not any(c.isspace() for c in text):
                found.add(text)
    return found


def named_resources(root: Path, modules: Iterable[str], paths: list[str]) -> set[str]:
    """The paths (of `paths`) that string literals of the `modules` sources using a resource API name."""
    by_suffix: dict[str, list[str]] = {}
    by_folder: dict[tuple[str, str], list[str]] = {}  # (top-level folder, a folder name under it) -> files
    for rel in paths:
        parts = rel.split("/")
        for i in range(len(parts)):
            by_suffix.setdefault("/".join(parts[i:]), []).append(rel)
        for folder in set(parts[1:-1]):
            by_folder.setdefault((parts[0], folder), []).append(rel)
    keep: set[str] = set()
    for module in modules:
        try:
            source = (root / module).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if not any(api in source for api in _APIS):
            continue
        top = module.split("/")[0]
        for text in _literals(source):
            if "." in text or "/" in text:
                keep.update(by_suffix.get(text, ()))
            if "." not in text.rpartition("/")[2]:  # a folder: "templates", "data/schemas"
                keep.update(by_folder.get((top, text.rpartition("/")[2]), ()))
    return keep
