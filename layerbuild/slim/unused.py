"""`--prune unused`: remove the layer files the handler's init and event replays never used, then prove it.

Used = a file of a module imported (sys.modules at the end, the `import` audit events) or a file
opened (`open` events), in the trace of measure/init/trace.py. Never removed, whatever the trace:
`*.dist-info` (importlib.metadata reads it), a package's `__init__` (its absence would turn a package
into a namespace), a data file a kept module names in a string literal next to importlib.resources,
pkgutil.get_data or pkg_resources (resources.py, read with ast), a shared library a kept extension
or a ctypes.dlopen needs (DT_NEEDED, followed to the end; measure/elf.py), and a .pyc whose source is
kept (and a source whose .pyc is kept). Removed files are moved aside, not deleted, then the handler
is run again in a fresh interpreter on the pruned tree: a failure puts back the removed files of the
package it points at (the missing module's, the missing file's, else the innermost traceback frame's
with removals; else every package) and runs again, saying so, until the replay passes.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from layerbuild.model.removals import Removal, Removals
from layerbuild.slim.resources import named_resources
from layerbuild.tree.index import TreeIndex
from layerbuild.util.progress import note, step

RULE = "unused"


def _is_init(rel: str) -> bool:
    return rel.rpartition("/")[2].startswith("__init__.")  # __init__.py, its .pyc, __init__.pyi


def _source_of(rel: str) -> str | None:
    """`pkg/__pycache__/mod.cpython-312.pyc` -> `pkg/mod.py`; `mod.pyc` -> `mod.py`."""
    if not rel.endswith(".pyc"):
        return None
    folder, _, name = rel.rpartition("/")
    if folder.endswith("__pycache__"):
        parent = folder[: -len("__pycache__")].rstrip("/")
        src = name.split(".")[0] + ".py"
        return f"{parent}/{src}" if parent else src
    return rel[:-1]


def _needed_libraries(tree: TreeIndex, keep: set[str], dlopened: frozenset[str]) -> set[str]:
    """Shared libraries of the tree that kept ELF files load (DT_NEEDED), transitively, and dlopen names."""
    from layerbuild.measure.elf import is_elf, read_elf

    by_name: dict[str, list[str]] = {}
    for rel in tree.paths(dist_info=False):
        if ".so" in rel.rpartition("/")[2]:
            by_name.setdefault(rel.rpartition("/")[2], []).append(rel)
    wanted = {os.path.basename(n) for n in dlopened}
    todo = [r for r in keep if ".so" in r.rpartition("/")[2]]
    todo += [r for n in wanted for r in by_name.get(n, [])]
    found: set[str] = set(todo)
    while todo:
        rel = todo.pop()
        path = tree.root / rel
        with open(path, "rb") as fh:
            head = fh.read(4)
        if not is_elf(head):
            continue
        info = read_elf(path.read_bytes())
        for lib in info.needed if info else ():
            for dep in by_name.get(lib, []):
                if dep not in found:
                    found.add(dep)
                    todo.append(dep)
    return found


def files_to_keep(tree: TreeIndex, used: frozenset[str], dlopened: frozenset[str]) -> set[str]:
    """Every path outside dist-info the prune must leave: the used files and what the rules protect."""
    paths = tree.paths(dist_info=False)
    present = set(paths)
    keep = {p for p in used if p in present} | {p for p in paths if _is_init(p)}
    keep |= named_resources(tree.root, [p for p in keep if p.endswith(".py")], paths)
    keep |= _needed_libraries(tree, keep, dlopened)
    for rel in paths:  # a .pyc follows its source, and a kept .pyc keeps its source
        src = _source_of(rel)
        if src is None:
            continue
        if src in keep:
            keep.add(rel)
        elif rel in keep and src in present:
            keep.add(src)
    return keep


def _move(root: Path, holding: Path, rel: str, back: bool = False) -> None:
    src, dst = (holding / rel, root / rel) if back else (root / rel, holding / rel)
    dst.parent.mkdir(parents=True, exist_ok=True)
    os.replace(src, dst)  # a rename: never a write into a file uv hard-linked from its cache


def _culprits(
    error: dict[str, Any], root: Path, removed: dict[str, list[str]], owner: Callable[[str], str]
) -> set[str]:
    """The packages with removals a failure points at (see the module docstring)."""
    prefix = str(root.resolve()) + os.sep
    name = error.get("name")
    if isinstance(name, str) and name:
        stem = name.replace(".", "/")
        hit = {
            d
            for d, files in removed.items()
            if any(f == f"{stem}.py" or f.startswith(f"{stem}/") or f.startswith(f"{stem}.") for f in files)
        }
        if hit:
            return hit
    filename = error.get("filename")
    if isinstance(filename, str) and filename.startswith(prefix):
        dist = owner(filename[len(prefix) :])
        if dist in removed:
            return {dist}
    for frame in reversed(error.get("frames") or []):
        if isinstance(frame, str) and frame.startswith(prefix):
            dist = owner(frame[len(prefix) :])
            if dist in removed:
                return {dist}
    return set(removed)


def prune_unused(
    tree: TreeIndex, trace: Any, replay: Callable[[], Any], holding: Path
) -> tuple[Removals, tuple[str, ...]]:
    """Remove what `trace` never used, replay, put back per failing package; returns the removals made
    and one line per package put back. `replay()` runs the handler again and returns a Trace."""
    keep = files_to_keep(tree, trace.used(), trace.dlopened)
    removed: dict[str, list[str]] = {}
    for rel in tree.paths(dist_info=False):
        if rel not in keep:
            removed.setdefault(tree.owner_of(rel), []).append(rel)
    sizes = {rel: (tree.root / rel).stat().st_size for files in removed.values() for rel in files}
    with step(f"Pruning {len(sizes)} files init and the replays never used"):
        for files in removed.values():
            for rel in files:
                _move(tree.root, holding, rel)
    restored: list[str] = []
    while removed:
        with step("Replaying on the pruned layer"):
            again = replay()
        failed = again.first_failure
        if failed is None:
            break
        for dist in sorted(_culprits(failed.error or {}, tree.root, removed, tree.owner_of)):
            for rel in removed.pop(dist):
                _move(tree.root, holding, rel, back=True)
            line = f"put back the pruned files of {dist or 'files of no package'}: {failed.describe()} without them"
            note(f"layerbuild: {line}")
            restored.append(line)
    removals = [Removal(RULE, dist, rel, sizes[rel]) for dist in sorted(removed) for rel in removed[dist]]
    shutil.rmtree(holding, ignore_errors=True)  # the work folder becomes the cache entry
    tree.deleted(removals)
    tree.update_records(removed=[(r.distribution, r.path) for r in removals])
    return Removals(tuple(removals)), tuple(restored)
