"""The audit's rule catalogue: id, name, default severity and the one-line fix. Data only (imports nothing).

Severities, highest first: error, warning, info. `layerbuild audit --fail-on S` exits 1 when a finding
is at S or above. A finding may carry a different severity than its rule's default when the same
rule covers a fatal and a harmless case (a foreign `.pyc` next to its `.py` is dead weight; a
sourceless one cannot be imported) — the finding says which.

Sources for the facts behind the rules: Lambda quotas (`facts/limits.py`), runtime-provided packages
(`facts/runtime_packages.py`), the runtime's SDK versions and their declared ranges
(`facts/runtime_sdk.py`), runtimes' glibc and architectures (`facts/runtimes.py`), base image libraries
(`facts/base_libraries.py`), and AWS's "Best practices for working with Lambda functions" (initialise SDK
clients outside the handler so warm invocations reuse them).
"""

from __future__ import annotations

from dataclasses import dataclass

SEVERITIES = ("error", "warning", "info")  # highest first
_RANK = {name: i for i, name in enumerate(SEVERITIES)}


def at_or_above(severity: str, threshold: str) -> bool:
    return _RANK[severity] <= _RANK[threshold]


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    severity: str
    title: str
    fix: str


RULES: dict[str, Rule] = {
    r.id: r
    for r in (
        # Sizes and budgets
        Rule(
            "LB101",
            "unzipped-over-budget",
            "error",
            "Unzipped size over budget",
            "Trim the largest packages (see `layerbuild report`) or move some into another layer.",
        ),
        Rule(
            "LB102",
            "zipped-over-budget",
            "error",
            "Zipped size over budget",
            "Trim the largest packages, or publish through S3 (`layerbuild publish --s3-bucket`) when only the 50 MB direct-upload limit is hit.",
        ),
        Rule(
            "LB103",
            "package-over-budget",
            "error",
            "Package over its budget",
            "Pin a smaller version or an alternative package, or raise --max-package for it.",
        ),
        Rule(
            "LB104",
            "growth-over-threshold",
            "error",
            "Grew past --max-growth since the baseline",
            "Find the packages that grew in the growth table; pin them or raise --max-growth deliberately.",
        ),
        Rule(
            "LB105",
            "package-grew",
            "warning",
            "Package grew past --max-growth since the baseline",
            "Check the package's changelog; pin the previous version if the growth is not wanted.",
        ),
        Rule(
            "LB106",
            "package-added",
            "info",
            "Package added since the baseline",
            "Nothing to do if it was added on purpose.",
        ),
        # Content that should not ship
        Rule(
            "LB201",
            "runtime-provided",
            "error",
            "Package the Lambda runtime already provides",
            "Drop it: build without --keep-runtime-packages (layerbuild drops boto3, botocore, s3transfer, jmespath).",
        ),
        Rule(
            "LB202",
            "tests-shipped",
            "warning",
            "Test folders shipped",
            "Build with `--slim safe` (the default) or delete the tests/ folders before zipping.",
        ),
        Rule(
            "LB203",
            "caches-shipped",
            "warning",
            "Cache folders shipped",
            "Delete tool caches (.pytest_cache, .mypy_cache, stale __pycache__) before zipping.",
        ),
        Rule(
            "LB204",
            "pyc-other-python",
            "warning",
            "Bytecode of another Python version",
            "Compile bytecode with the runtime's Python (`--bytecode alongside`), or drop the .pyc files.",
        ),
        # Native code
        Rule(
            "LB301",
            "elf-wrong-arch",
            "error",
            "Native library for another architecture",
            "Rebuild for the function's architecture (`--arch`), or set the function's Architectures to match.",
        ),
        Rule(
            "LB302",
            "elf-glibc-too-new",
            "error",
            "Native library needs a newer glibc than the runtime has",
            "Use a wheel tagged for the runtime's glibc (layerbuild build picks one), or move to a runtime on Amazon Linux 2023.",
        ),
        Rule(
            "LB303",
            "elf-missing-library",
            "error",
            "Native library needs a shared library Lambda does not have",
            "Ship the library in the layer's lib/ folder, or use a wheel that bundles it (e.g. opencv-python-headless).",
        ),
        Rule(
            "LB304",
            "foreign-binary",
            "warning",
            "macOS or Windows binary",
            "Build on Linux for the target (layerbuild build), or drop the file: Lambda cannot load it.",
        ),
        # Several packages together
        Rule(
            "LB401",
            "duplicate-package",
            "warning",
            "Package shipped by the function and a layer",
            "Remove it from the function zip (or the layer): the function's copy shadows the layer's.",
        ),
        Rule(
            "LB402",
            "too-many-layers",
            "error",
            "More than 5 layers",
            "Merge layers (`layerbuild plan` groups packages) — Lambda allows 5 per function.",
        ),
        Rule(
            "LB403",
            "shadows-runtime-sdk",
            "warning",
            "Package shadows what the runtime's boto3/botocore needs",
            "Pin a version inside the SDK's range if the packages that need it allow one (e.g. python-dateutil<3), "
            "or ship boto3 and botocore in the layer (--keep-runtime-packages) so the SDK that imports it accepts it.",
        ),
        # Handler code
        Rule(
            "LB501",
            "sdk-client-in-handler",
            "warning",
            "AWS SDK client created inside the handler",
            "Create the client once at module level, outside the handler, so warm invocations reuse it.",
        ),
        # The handler's init, measured under Lambda's CPU share (measure/init/, docs/coldstart.md)
        Rule(
            "LB601",
            "init-over-budget",
            "error",
            "Handler init over its time budget",
            "Import less at module level (see the per-package init times), ship bytecode (--bytecode), or raise "
            "the memory size; or raise --max-init-ms.",
        ),
        Rule(
            "LB602",
            "init-grown",
            "error",
            "Handler init grew past --max-init-growth since the baseline",
            "Look at the packages that grew in `layerbuild coldstart`; if the growth is wanted, make this run's "
            "audit JSON the new --baseline.",
        ),
        Rule(
            "LB603",
            "package-init-share",
            "warning",
            "One package takes a large share of the handler's init",
            "Import it lazily inside the code path that needs it, or replace it with a lighter package; or raise "
            "--max-init-share.",
        ),
    )
}

_BY_NAME = {r.name: r for r in RULES.values()}


def find_rule(key: str) -> Rule | None:
    """A rule by id (LB201) or name (runtime-provided)."""
    return RULES.get(key.upper()) or _BY_NAME.get(key.lower())
