"""The audit's checks, one module per group; each takes what it judges and returns findings.

budgets (sizes and limits), runtime (what the runtime provides or needs), contents (tests, caches and
bytecode shipped), layers (a function with its layers), handlers (SDK clients made in the handler).
Native code is judged by `verify/native.py`, shared with the build; growth by `audit/baseline.py`.
"""

from __future__ import annotations


def site_path(site: str, top: tuple[str, ...]) -> str | None:
    """Where a distribution's first top-level folder is, as a path inside the package."""
    return f"{site}{top[0]}/" if top else None
