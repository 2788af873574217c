"""One interpreter checks several modules: a module that another module's passing check imported
whole needs no interpreter of its own (issue 15).

pandas imports numpy, dateutil and tzdata when it is imported; requests imports urllib3, idna, certifi
and charset_normalizer. A fresh interpreter for each of them imports the same files again: on the
medium set (requests, pydantic, numpy, pandas) that was about half of the import check's 1.9 s of CPU.

So a check reports which of the layer's other modules its interpreter imported, as modules of the
layer (their spec names them and their file is under the layer or the runtime-provided folder), and
such a module passes with it, keyed for reuse on what that interpreter read (a superset of what its
own import reads, so the reuse is never wider, verify/import_cache.py). A module stands in only for
modules of its own distribution or of a distribution it requires (not the other way round): a
client imports what it depends on the way it always does, at its top, before its own code runs.
A module that imports only through another one is that module's business either way (smoke.py
accepts it with a note when it fails alone); one that needs another module first and does not
declare it is still checked on its own, as the user's handler would meet it.

While a module that could stand for a waiting one is being imported, the waiting one is not started:
the core goes to the zip written beside the checks instead. A failed check stands for nothing; the
modules it would have covered are imported on their own, and their failures judged as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

Item = tuple[str, str]  # (module, distribution)


def covered_checks(
    todo: list[Item],
    check: Callable[[Item, tuple[str, ...]], dict[str, Any]],
    requires: Callable[[str], Iterable[str]],
    jobs: int,
) -> tuple[dict[Item, dict[str, Any]], dict[Item, Item]]:
    """Run `check(item, covers)` for the items of `todo` (best started first) on `jobs` threads; `covers`
    are the modules the item may stand for, and its result's `also` lists those its interpreter imported.
    `requires(dist)`: the distributions `dist` requires on the target, directly or not.

    Returns each item's result and, for each item no interpreter of its own imported, the one that did."""
    jobs = max(1, jobs)
    closure = {d: set(requires(d)) - {d} for _, d in todo}

    def stands_for(a: Item, b: Item) -> bool:
        return a != b and (a[1] == b[1] or (b[1] in closure[a[1]] and a[1] not in closure[b[1]]))

    results: dict[Item, dict[str, Any]] = {}
    covered_by: dict[Item, Item] = {}
    waiting = list(todo)
    running: dict[Future[dict[str, Any]], Item] = {}
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        while waiting or running:
            while len(running) < jobs:
                # Same-distribution modules are not held back: a distribution of many independent
                # top-level modules would then import one at a time.
                item = next(
                    (i for i in waiting if not any(r[1] != i[1] and stands_for(r, i) for r in running.values())),
                    None,
                )
                if item is None:
                    break
                waiting.remove(item)
                covers = tuple(m for m, d in waiting if stands_for(item, (m, d)))
                running[pool.submit(check, item, covers)] = item
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                item = running.pop(future)
                result = results[item] = future.result()
                if not result.get("ok"):
                    continue
                also = set(result.get("also", ()))
                for other in [i for i in waiting if i[0] in also and stands_for(item, i)]:
                    waiting.remove(other)
                    results[other] = {"ok": True, **({"seen": result["seen"]} if "seen" in result else {})}
                    covered_by[other] = item
    return results, covered_by
