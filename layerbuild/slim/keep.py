"""Which test files of a built layer the build keeps on purpose (the audit reports only the others)."""

from __future__ import annotations

from collections.abc import Callable

from layerbuild.facts.known_breakers import KEEP_FILES
from layerbuild.slim.guard import Chosen, Read, import_guard, sourceless_guard
from layerbuild.slim.match import Matcher
from layerbuild.slim.patterns import PathPattern


def kept_on_purpose(files: list[str], owner_of: Callable[[str], str], read: Read) -> dict[str, str]:
    """{path: why} for the files of a built layer that the `tests` rule matches and the build keeps on
    purpose: a known breaker (`known_breakers.KEEP_FILES`), a file a kept module imports (the import
    guard), the `__init__` of a kept file's package, and the bytecode of a kept file. `files` are paths
    relative to the layer's python/ folder, `owner_of(path)` names a file's distribution and
    `read(path) -> bytes` reads one. The audit uses this to report only what the build would remove."""
    from layerbuild.facts.slim_rules import RULES

    rule = next(r for r in RULES if r.name == "tests")
    matcher = Matcher(files)
    known_keep = [PathPattern(b.distribution, b.glob, f"known breaker ({b.source})") for b in KEEP_FILES]
    chosen: Chosen = {}
    kept: dict[str, str] = {}
    for path in files:
        dist = owner_of(path)
        word = matcher.match(rule, path, dist)
        if word is None:
            continue
        source = path[:-1] if path.endswith(".pyc") and "__pycache__" not in path else path  # sourceless
        protector = next((k for k in known_keep if k.matches(dist, path) or k.matches(dist, source)), None)
        if protector is not None:
            kept[path] = protector.text
        else:
            chosen[path] = (rule.name, dist, word)
    kept.update(
        (path, f"imported by {importer}") for path, importer in import_guard(None, files, chosen, read=read).items()
    )
    kept.update(sourceless_guard(files, {p: v for p, v in chosen.items() if p not in kept}, kept, read))
    present = set(files)
    for path in list(kept):  # importing a.b.c imports the package a.b first
        parts = path.split("/")[:-1]
        while parts:
            for init in ("__init__.py", "__init__.pyc"):
                candidate = "/".join(parts + [init])
                if candidate in chosen and candidate not in kept:
                    kept[candidate] = f"the package of {path}"
            parts.pop()
    for path in files:  # dir/__pycache__/name.cpython-312.pyc is the bytecode of dir/name.py
        parts = path.split("/")
        if len(parts) >= 2 and parts[-2] == "__pycache__" and path not in kept:
            source = "/".join(parts[:-2] + [parts[-1].split(".", 1)[0] + ".py"])
            if source in kept and source in present:
                kept[path] = f"bytecode of {source}"
    return kept
