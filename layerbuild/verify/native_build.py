"""The build's native check: the audit's native findings for the staged layer, and the build's error.

`layerbuild build` runs the same check the audit runs on a zip (native.py) on the staged tree, with the
settings of `[tool.layerbuild.audit]`, and fails on what the audit calls an error: build and audit agree.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from layerbuild.audit.findings import Finding
from layerbuild.model.target import Target
from layerbuild.tree.index import TreeIndex
from layerbuild.verify.native import PackageFiles, alternative, verify_native

LISTED = 10  # findings printed one per line before the build's error


def check_build_tree(
    tree: TreeIndex, target: Target, audit_config: tuple[dict[str, Any], Path | None] = ({}, None)
) -> list[Finding]:
    """The audit's native findings for a staged layer tree (files named as in the zip: python/...),
    judged with `[tool.layerbuild.audit]` (`provided-libraries`, `ignore`, `severity`) as the audit does."""
    from dataclasses import replace

    from layerbuild.audit.settings import settings_from

    table, config_path = audit_config
    settings = settings_from({}, table or None, config_path)
    owner_of = tree.owner_of
    rels = [f.arcname for f in tree.files() if not f.link]
    root = os.path.join(tree.root, "")

    def digest_of(name: str) -> bytes:
        return tree.digests.sha256(root + name.removeprefix("python/"))

    with PackageFiles(tree.root, prefix="python/") as files:
        found = verify_native(
            files,
            [f"python/{r}" for r in rels],
            target,
            extra_provided=settings.provided_libraries,
            owner={f"python/{r}": o for r in rels if (o := owner_of(r))},
            digest_of=digest_of,
        )
    overrides = dict(settings.severity)
    return [replace(f, severity=overrides.get(f.rule, f.severity)) for f in found if f.rule not in settings.ignore]


def raise_on_native_errors(findings: list[Finding], target: Target) -> None:
    """FindingsError (exit 1) when a native finding is an error, as the audit would fail the zip."""
    from layerbuild.errors import FindingsError
    from layerbuild.util.progress import note, warn

    errors = [f for f in findings if f.severity == "error"]
    for f in findings:
        if f.severity != "error":
            warn(f"{f.rule}: {f.message}")
    if not errors:
        return
    for f in errors[:LISTED]:  # one line per file, as `layerbuild audit` lists them (the hint comes once, below)
        note(f"layerbuild: {f.rule} error: {f.message.removesuffix(alternative(f.package))}")
    if len(errors) > LISTED:
        note(f"layerbuild: … and {len(errors) - LISTED} more files")
    by_package: dict[str, list[Finding]] = {}
    for f in errors:
        by_package.setdefault(f.package or "files no package owns", []).append(f)
    parts = []
    for package, items in sorted(by_package.items(), key=lambda kv: -len(kv[1])):
        rules = sorted({f.rule for f in items})
        what = "; ".join(_summary(rule, [f for f in items if f.rule == rule], target) for rule in rules)
        parts.append(f"{package}: {what}{alternative(package) if 'LB303' in rules else ''}")
    from layerbuild.audit.rules import RULES

    fixes = " ".join(
        RULES[r].fix
        for r in sorted({f.rule for f in errors})
        if not (r == "LB303" and all(alternative(f.package) for f in errors if f.rule == r))
    )
    raise FindingsError(
        f"native check failed: {len(errors)} file(s) would not load on {target.runtime} "
        f"{target.arch}: {' | '.join(parts[:5])}"
        + (f" (+{len(parts) - 5} more packages)" if len(parts) > 5 else "")
        + (f"; {fixes}" if fixes else "")
        + " (`layerbuild audit` reports the same; "
        "provided-libraries or ignore in [tool.layerbuild.audit] apply to both)"
    )


def _summary(rule: str, items: list[Finding], target: Target) -> str:
    example = items[0].file
    if rule == "LB303":
        libs: list[str] = []
        for f in items:
            for lib in f.message.split(" needs ", 1)[1].split(", which neither")[0].split(", "):
                if lib not in libs:
                    libs.append(lib)
        shown = ", ".join(libs[:4]) + (", …" if len(libs) > 4 else "")
        return f"{len(items)} need {shown}, not in the {target.os} base image (e.g. {example})"
    if rule == "LB302":
        return f"{len(items)} need a newer glibc than {target.glibc_str} (e.g. {example})"
    if rule == "LB301":
        return f"{len(items)} are built for another architecture than {target.machine} (e.g. {example})"
    return f"{len(items)} are macOS or Windows binaries named like extension modules (e.g. {example})"
