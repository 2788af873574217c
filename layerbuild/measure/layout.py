"""Whether a zip or folder is a layer or a function package, from where its files are.

A layer's Python content lives under `python/` (Lambda mounts a layer at `/opt`, and Python looks in
`/opt/python` and `/opt/python/lib/pythonX.Y/site-packages`); a function package (`layerbuild build
--function`, or any deployment zip) has its code and dependencies at the root (`/var/task`). Sizes,
imports and the audit's checks read each at its own site folders; this decides which rules apply.
"""

from __future__ import annotations

from layerbuild.model.inventory import Inventory

LAYER = "layer"
FUNCTION = "function"


def package_kind(inv: Inventory) -> str:
    """'layer' when the content lives under python/ and no module sits at the root, else 'function'."""
    paths = [f.path for f in inv.files]
    if (
        paths
        and any(p.startswith("python/") for p in paths)
        and not any("/" not in p and p.endswith(".py") for p in paths)
        and not any(p.split("/", 1)[0].endswith(".dist-info") for p in paths)  # dependencies at the root
    ):
        return LAYER
    return FUNCTION
