"""Audit a layer zip, function zip or folder: run the checks, apply the rule settings, return the result.

What the target is (layer, function, requirements file), then every check of `audit/checks/`, native
code (`verify/native.py`, shared with the build) and growth against a baseline (`audit/baseline.py`).
Sizes come from `measure/inventory.py`; the checks only judge them. Rules are data in `audit/rules.py`;
what decides a finding is `audit/settings.py`; the result types are `audit/findings.py`.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from layerbuild.audit.findings import AuditResult, Finding, GrowthRow, LayerSummary
from layerbuild.audit.rules import SEVERITIES
from layerbuild.audit.settings import AuditSettings
from layerbuild.errors import InputError
from layerbuild.measure.inventory import inventory_of
from layerbuild.measure.layout import package_kind
from layerbuild.model.inventory import UNOWNED
from layerbuild.model.target import Target

if TYPE_CHECKING:
    from layerbuild.audit.checks.init import InitRequest


def is_requirements_file(path: Path) -> bool:
    import zipfile

    if not path.is_file() or zipfile.is_zipfile(path):
        return False
    return path.suffix in (".txt", ".in", ".lock") or path.name.startswith("requirements")


def _apply_rule_settings(findings: list[Finding], s: AuditSettings) -> tuple[Finding, ...]:
    overrides = dict(s.severity)
    kept = [replace(f, severity=overrides.get(f.rule, f.severity)) for f in findings if f.rule not in s.ignore]
    rank = {name: i for i, name in enumerate(SEVERITIES)}
    return tuple(sorted(kept, key=lambda f: (rank[f.severity], f.rule, f.file or "", f.line or 0)))


def _read_handlers(handlers: tuple[str, ...]) -> list[tuple[str, str, str | None]]:
    """(file, source, function) of each `--handler FILE[:FUNCTION]`."""
    out: list[tuple[str, str, str | None]] = []
    for spec in handlers:
        file, _, function = spec.partition(":")
        p = Path(file)
        if not p.is_file():
            raise InputError(
                f"--handler {spec}: {file} is not a file: name the handler's .py file (optionally file.py:function)"
            )
        out.append((file, p.read_text(encoding="utf-8", errors="replace"), function or None))
    return out


def audit_package(
    path: Path,
    *,
    target: Target | None,
    target_source: str,
    settings: AuditSettings,
    layers: tuple[Path, ...] = (),
    handlers: tuple[str, ...] = (),
    baseline: Path | None = None,
    display_path: str | None = None,
    kind: str | None = None,
    init: InitRequest | None = None,
) -> AuditResult:
    """Audit one zip or folder (with the function's other layers, handler sources and a baseline)."""
    from layerbuild.audit.checks.budgets import check_budgets
    from layerbuild.audit.checks.contents import check_bytecode, check_tests_and_caches
    from layerbuild.audit.checks.handlers import check_handlers, handler_sources
    from layerbuild.audit.checks.layers import check_layers
    from layerbuild.audit.checks.runtime import check_runtime_provided, check_runtime_sdk
    from layerbuild.verify.native import PackageFiles, verify_native

    inv = inventory_of(path)
    kind = kind or package_kind(inv)
    layer_invs = [(str(layer), inventory_of(layer)) for layer in layers]
    summaries = tuple(
        LayerSummary(p, li.unzipped_bytes, li.zip_file_bytes, sum(1 for d in li.distributions if d.name != UNOWNED))
        for p, li in layer_invs
    )
    findings: list[Finding] = []
    findings += check_budgets(inv, settings, summaries, kind)
    findings += check_runtime_provided(inv)
    findings += check_runtime_sdk(inv, target, layer_invs)
    findings += check_layers(kind, inv, layer_invs)
    handler_inputs = _read_handlers(handlers)
    with PackageFiles(path) as files:
        findings += check_tests_and_caches(inv, files)
        findings += check_bytecode(inv, target, files)
        shipped = [f.path for _, li in layer_invs for f in li.files]
        owner = {f.path: f.distribution for f in inv.files if f.distribution and f.distribution != UNOWNED}
        findings += verify_native(
            files,
            [f.path for f in inv.files if not f.is_symlink],
            target,
            shipped=shipped,
            extra_provided=settings.provided_libraries,
            owner=owner,
        )
        if not handlers:
            handler_inputs += [(p, text, None) for p, text in handler_sources(kind, inv, files)]
    handler_init = None
    if init is not None:  # the handler's init (LB601-LB603), with this package as code or first layer
        from layerbuild.audit.checks.init import audit_init

        handler_init, init_findings, source = audit_init(init, path, kind, layers, target, settings, baseline)
        findings += init_findings
        if source is not None and not handlers:
            handler_inputs.append(source)
    findings += check_handlers(handler_inputs)
    rows: list[GrowthRow] = []
    baseline_total = None
    if baseline is not None:
        from layerbuild.audit.baseline import check_growth, load_baseline

        sizes, baseline_total = load_baseline(baseline)
        rows, growth_findings = check_growth(inv, sizes, baseline_total, settings)
        findings += growth_findings
    return AuditResult(
        path=display_path or str(path),
        kind=kind,
        target=target,
        target_source=target_source,
        inventory=inv,
        settings=settings,
        findings=_apply_rule_settings(findings, settings),
        layers=summaries,
        growth=tuple(rows),
        baseline=str(baseline) if baseline else None,
        baseline_unzipped=baseline_total,
        handler_init=handler_init,
    )
