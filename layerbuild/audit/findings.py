"""What an audit produces: findings, growth rows, the layers given, and the whole result. Data only.

The audit formats import this module (and the rule catalogue) and nothing that does work: a result is
rendered from what it holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from layerbuild.audit.rules import RULES, SEVERITIES, at_or_above
from layerbuild.audit.settings import AuditSettings
from layerbuild.model.handler_init import HandlerInit
from layerbuild.model.inventory import Inventory
from layerbuild.model.target import Target


@dataclass(frozen=True)
class Finding:
    """One problem found: which rule, how bad, what and where, and how to fix it."""

    rule: str  # rule id
    severity: str
    message: str
    file: str | None = None  # path inside the package (or a source file for handler findings)
    line: int | None = None
    package: str | None = None  # the distribution concerned, when there is one
    fix: str = ""

    @property
    def name(self) -> str:
        return RULES[self.rule].name

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "name": self.name,
            "severity": self.severity,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "package": self.package,
            "fix": self.fix,
        }


def finding(
    rule_id: str,
    message: str,
    *,
    file: str | None = None,
    line: int | None = None,
    package: str | None = None,
    severity: str | None = None,
) -> Finding:
    """A finding of `rule_id` with the rule's severity (unless given) and fix."""
    rule = RULES[rule_id]
    return Finding(rule_id, severity or rule.severity, message, file, line, package, rule.fix)


@dataclass(frozen=True)
class GrowthRow:
    """One package's unzipped bytes in the baseline and now."""

    package: str
    before: int | None  # None: new
    after: int | None  # None: removed

    @property
    def delta(self) -> int:
        return (self.after or 0) - (self.before or 0)

    @property
    def percent(self) -> float | None:
        return None if not self.before else self.delta * 100.0 / self.before


@dataclass(frozen=True)
class LayerSummary:
    """A layer the function also uses (`--layer`), as the size checks count it."""

    path: str
    unzipped_bytes: int
    zipped_bytes: int
    packages: int


@dataclass(frozen=True)
class AuditResult:
    path: str  # the target as the user named it
    kind: str  # layer | function | requirements
    target: Target | None
    target_source: str
    inventory: Inventory
    settings: AuditSettings
    findings: tuple[Finding, ...]
    layers: tuple[LayerSummary, ...] = ()
    growth: tuple[GrowthRow, ...] = ()
    baseline: str | None = None
    baseline_unzipped: int | None = None
    built_zip: str | None = None  # for a requirements target: the zip that was built and audited
    handler_init: HandlerInit | None = None  # `--code --handler`: the handler's init (audit/checks/init.py)

    @property
    def failing(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if at_or_above(f.severity, self.settings.fail_on))

    @property
    def exit_code(self) -> int:
        return 1 if self.failing else 0

    def counts(self) -> dict[str, int]:
        return {s: sum(1 for f in self.findings if f.severity == s) for s in SEVERITIES}

    @property
    def total_unzipped(self) -> int:
        """Function (or layer) plus every layer given: what Lambda's 250 MB limit counts."""
        return self.inventory.unzipped_bytes + sum(layer.unzipped_bytes for layer in self.layers)
