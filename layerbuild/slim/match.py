"""Which slim rule a file falls under, and the module a file is imported as."""

from __future__ import annotations

from collections import defaultdict
from pathlib import PurePosixPath

from layerbuild.facts.known_breakers import STUB_ONLY_PREFIXES, STUB_ONLY_SUFFIXES
from layerbuild.facts.slim_rules import SHARED_LIBRARY_MARKER, Rule

_EXTENSION_SUFFIXES = (".so", ".pyd")


def _stem(name: str) -> str:
    """PurePosixPath(name).stem, without making a path object."""
    i = name.rfind(".")
    return name[:i] if 0 < i < len(name) - 1 else name


def module_of(path: str) -> str | None:
    """The dotted module name a file is imported as, or None when it is not importable."""
    parts = [p for p in path.split("/") if p and p != "."]  # PurePosixPath(path).parts for a relative path
    name = parts[-1]
    if name.endswith(".py"):
        stem = name[:-3]
    elif name.endswith(".pyc") and "__pycache__" not in parts:
        stem = name[:-4]
    elif name.endswith(_EXTENSION_SUFFIXES):
        stem = name.split(".", 1)[0]
    else:
        return None
    parts = parts[:-1] + ([] if stem == "__init__" else [stem])
    if not parts or not all(p.isidentifier() for p in parts):
        return None
    return ".".join(parts)


class Matcher:
    """Which rule a file falls under, given what sits beside it in the tree."""

    def __init__(self, files: list[str]) -> None:
        self.files = set(files)
        self.extension_stems: dict[str, set[str]] = defaultdict(set)
        for f in files:
            if f.endswith(_EXTENSION_SUFFIXES):
                parent, _, name = f.rpartition("/")
                self.extension_stems[parent or "."].add(name.split(".", 1)[0])  # str(PurePosixPath(f).parent)

    def match(self, rule: Rule, path: str, dist: str) -> str | None:
        """The word that matched (a folder or file name, for the import guard), or None."""
        # Plain string work: this runs for every file and rule (pathlib objects made it most of slim's time).
        parts = path.split("/")
        name = parts[-1]
        word = None
        if rule.dir_names:
            for i, part in enumerate(parts[:-1]):
                if part in rule.dir_names:
                    if rule.condition == "not-a-package" and "/".join(parts[: i + 1]) + "/__init__.py" in self.files:
                        continue
                    word = part
                    break
        if word is None and name in rule.file_names:
            word = _stem(name)
        if word is None and rule.suffixes:
            if rule.action == "strip":
                hit = name.endswith(rule.suffixes) or SHARED_LIBRARY_MARKER in name
            else:
                hit = name.endswith(rule.suffixes)
            if hit and self._condition(rule, PurePosixPath(path), dist):
                word = _stem(name)
        return word

    def _condition(self, rule: Rule, p: PurePosixPath, dist: str) -> bool:
        if rule.condition is None:
            if rule.name == "type-stubs":
                return not (dist.endswith(STUB_ONLY_SUFFIXES) or dist.startswith(STUB_ONLY_PREFIXES))
            return True
        stem = p.name.split(".", 1)[0]
        if rule.condition == "source-exists":
            return str(p.parent / f"{stem}.py") in self.files
        if rule.condition == "next-to-extension":
            stems = self.extension_stems.get(str(p.parent), set())
            return stem in stems or stem.removesuffix("_api") in stems
        return True
