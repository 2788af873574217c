"""What the Lambda runtime already has: packages it provides (LB201) and those its SDK needs (LB403)."""

from __future__ import annotations

from collections.abc import Sequence

from layerbuild.audit.checks import site_path
from layerbuild.audit.findings import Finding, finding
from layerbuild.facts.runtime_packages import RUNTIME_PROVIDED
from layerbuild.model.inventory import UNOWNED, DistSize, Inventory
from layerbuild.model.target import Target
from layerbuild.util.units import human_bytes


def check_runtime_provided(inv: Inventory) -> list[Finding]:
    return [
        finding(
            "LB201",
            f"{d.name} {d.version or ''} ({human_bytes(d.unzipped_bytes)}) is shipped, but the "
            "Lambda Python runtime already provides it".replace("  ", " "),
            file=site_path(d.site, d.top_level),
            package=d.name,
        )
        for d in inv.distributions
        if d.name in RUNTIME_PROVIDED
    ]


def check_runtime_sdk(
    inv: Inventory, target: Target | None, layer_invs: Sequence[tuple[str, Inventory]] = ()
) -> list[Finding]:
    """Packages the runtime's boto3/botocore import, shipped at a version outside the SDK's declared range
    (`facts/runtime_sdk.py`). The function's copy comes first on sys.path, then each layer's in order."""
    if target is None:
        return []
    from layerbuild.measure.runtime_sdk import shadowed

    first: dict[str, DistSize] = {}
    for _, each in [("", inv), *layer_invs]:
        for d in each.distributions:
            if d.name != UNOWNED and d.name not in first:
                first[d.name] = d
    return [
        finding(
            "LB403", s.message, package=s.package, file=site_path(first[s.package].site, first[s.package].top_level)
        )
        for s in shadowed({n: d.version for n, d in first.items()}, target)
    ]
