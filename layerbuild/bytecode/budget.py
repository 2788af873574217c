"""The size budget of `--bytecode auto`: never compile a layer that fits Lambda's limit over it.

A `.pyc` is about 1.4 times its source, so compiling can push a layer that fits Lambda's unzipped limit
(`facts/limits.py`, or the build's `--max-unzipped`) over it. `auto` never does: when the layer fits
without bytecode but not with all of it, it keeps `.pyc` for the modules most likely imported at a cold
start, until the budget is met, and leaves the rest without (they compile at import, as with `none`).
Order: modules reached from the layer's top-level modules through their import statements (breadth
first: `import pandas` loads these on every cold start), then the others, smallest `.pyc` first. It
never switches to `only` by itself: sourceless bytecode changes what programs see (tracebacks without
source lines, `inspect.getsource` raising), and a size choice must not change behaviour; the notice
says when `--bytecode only` would fit instead. An explicit `alongside` or `only` is done as asked; the
build's limit warning names an overflow.
"""

from __future__ import annotations

import re
from collections import deque
from pathlib import Path

from layerbuild.util.progress import note


def _record_row_bytes(pyc: str, size: int) -> int:
    """The RECORD row a new .pyc adds (`path,sha256=<43 chars>,size\\n`, records.py): it counts too."""
    return len(pyc) + len(",sha256=,") + 43 + len(str(size)) + 1


def fit_budget(
    tree: Path, added: list[tuple[str, str]], before: int, limit: int
) -> tuple[list[tuple[str, str]], list[str], str | None]:
    """Keep the .pyc of `added` that fit in `limit - before`; delete the rest. Returns (kept, sources
    left without .pyc, the reason) — nothing changes when everything fits or nothing would."""
    from layerbuild.util.units import human_bytes

    cost = {pyc: (tree / pyc).stat().st_size for _, pyc in added}
    cost = {pyc: size + _record_row_bytes(pyc, size) for pyc, size in cost.items()}
    total = before + sum(cost.values())
    if total <= limit:
        return added, [], None
    if before > limit:
        # Over the limit without any .pyc: the layer must be split or trimmed whatever bytecode does (the
        # build's limit warning says so); every module keeps its .pyc for the layers it is split into.
        return added, [], None
    source_of = {pyc: _source_of_pyc(pyc) for _, pyc in added}
    order = cold_start_order(tree, [source_of[p] for _, p in added], {source_of[p]: cost[p] for p in cost})
    rank = {src: i for i, src in enumerate(order)}
    budget = limit - before
    keep: set[str] = set()
    for _, pyc in sorted(added, key=lambda item: rank[source_of[item[1]]]):
        if cost[pyc] <= budget:
            keep.add(pyc)
            budget -= cost[pyc]
    kept = [(d, p) for d, p in added if p in keep]
    dropped = [p for _, p in added if p not in keep]
    for pyc in dropped:
        (tree / pyc).unlink()
    for folder in sorted({(tree / p).parent for p in dropped}, reverse=True):
        if folder.name == "__pycache__" and not any(folder.iterdir()):
            folder.rmdir()
    left_out = sorted(source_of[p] for p in dropped)
    shipped = before + sum(cost[p] for p in keep)
    py_bytes = sum((tree / source_of[p]).stat().st_size for _, p in added)
    only_total = before - py_bytes + sum(cost.values())
    reason = (
        f"all .pyc would make the layer {human_bytes(total)} unzipped, over the limit of {limit:,} bytes; "
        f"{len(kept)} of {len(added)} modules got .pyc (those imported from the top-level modules first), "
        f"{len(left_out)} compile at import"
    )
    hint = (
        (
            f"; --bytecode only would fit .pyc for every module in {human_bytes(only_total)} (tracebacks lose "
            "source lines)"
        )
        if only_total <= limit
        else ""
    )
    note(f"layerbuild: {reason} ({human_bytes(shipped)} unzipped){hint}")
    return kept, left_out, reason


def _source_of_pyc(pyc: str) -> str:
    """`pkg/__pycache__/mod.cpython-312.pyc` -> `pkg/mod.py`; `pkg/mod.pyc` -> `pkg/mod.py`."""
    folder, _, name = pyc.rpartition("/")
    if folder == "__pycache__" or folder.endswith("/__pycache__"):
        parent = folder[: -len("__pycache__")].rstrip("/")
        base = name.split(".", 1)[0] + ".py"
        return f"{parent}/{base}" if parent else base
    return pyc[:-1]


# One import statement, matched on its own line (found by searching for "import": ten times faster than a
# multi-line regex over a big tree such as oci's 18,000 modules).
_IMPORT = re.compile(rb"[ \t]*(?:from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]+\(?([\w., \t*]+)|import[ \t]+([\w., \t]+))")


def _imports(data: bytes) -> list[tuple[str, str, str, str]]:
    """(dots, base, names, plain) of each `from .base import names` / `import plain` line in `data`."""
    out: list[tuple[str, str, str, str]] = []
    i = data.find(b"import")
    while i != -1:
        start = data.rfind(b"\n", 0, i) + 1
        end = data.find(b"\n", i)
        end = len(data) if end == -1 else end
        match = _IMPORT.match(data, start, end)
        if match:
            dots, base, names, plain = ((g or b"").decode("ascii", "replace") for g in match.groups())
            out.append((dots, base, names, plain))
        i = data.find(b"import", end)
    return out


def _module_name(src: str) -> str:
    parts = src[:-3].split("/")
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def cold_start_order(tree: Path, sources: list[str], cost: dict[str, int]) -> list[str]:
    """`sources` in the order their .pyc is worth keeping: breadth first through the import statements
    from each top-level module (what an `import pkg` in a handler loads on every cold start), then the
    rest, smallest .pyc first (most modules per byte). A static read: conditional and lazy imports count
    as imported, dynamic ones (importlib) are not seen — an ordering, never a correctness question."""
    by_module = {_module_name(s): s for s in sources}
    roots = sorted(m for m, s in by_module.items() if "." not in m)
    queued: set[str] = set(roots)
    order: list[str] = []
    queue = deque(roots)
    while queue:
        module = queue.popleft()
        src = by_module[module]
        order.append(src)
        package = module if src.endswith("__init__.py") else module.rpartition(".")[0]
        try:
            data = (tree / src).read_bytes()
        except OSError:
            continue
        for dots, base, names, plain in _imports(data):
            targets: list[str] = []
            if plain:
                targets = [n.split(" as ")[0].strip() for n in plain.split(",")]
            else:
                if dots:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - (len(dots) - 1)] if len(dots) > 1 else anchor
                    prefix = ".".join(p for p in [".".join(anchor), base] if p)
                else:
                    prefix = base
                if prefix:
                    targets.append(prefix)
                for name in names.split(","):
                    name = name.split(" as ")[0].strip()
                    if name and name != "*":
                        targets.append(f"{prefix}.{name}" if prefix else name)
            for target in targets:
                if target in queued:
                    continue
                parts = target.split(".")
                for i in range(1, len(parts) + 1):  # importing a.b.c runs a and a.b first
                    name = ".".join(parts[:i])
                    if name in by_module and name not in queued:
                        queued.add(name)
                        queue.append(name)
    reached = set(order)
    rest = sorted((s for s in sources if s not in reached), key=lambda s: (cost.get(s, 0), s))
    return order + rest
