"""Which locked packages a layer need not ship because the runtime provides them (boto3 and the
dependencies only it needs), found by walking the lock's dependency graph (uv's `# via` annotations)."""

from __future__ import annotations

from layerbuild.facts.pep503 import canonicalize_name
from layerbuild.model.lock import Lock


def runtime_provided_closure(lock: Lock, provided: frozenset[str]) -> frozenset[str]:
    """Packages a layer need not ship: those the runtime provides, and the dependencies that only
    they need. A dependency that another shipped package still needs (urllib3 for requests) stays.
    """
    provided = frozenset(canonicalize_name(n) for n in provided)
    by_name = {p.name: p for p in lock.pins}
    # What the user's other packages need: walk down from the direct requirements, never through a
    # runtime-provided package.
    children: dict[str, set[str]] = {name: set() for name in by_name}
    for pin in lock.pins:
        for parent in pin.required_by:
            if parent in children:
                children[parent].add(pin.name)
    keep: set[str] = set()
    stack = [p.name for p in lock.pins if p.direct and p.name not in provided]
    while stack:
        name = stack.pop()
        if name in keep or name in provided:
            continue
        keep.add(name)
        stack.extend(children.get(name, ()))
    return frozenset(name for name in by_name if name not in keep)
