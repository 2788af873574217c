"""The audit format seam: one small abstract class; one module per format."""

from __future__ import annotations

import abc
import os
from pathlib import Path

from layerbuild.audit.findings import AuditResult, Finding


class AuditFormat(abc.ABC):
    """Renders an AuditResult to text.

    Contract: a format renders only the result it is given (it never reads the package, builds or calls
    AWS) and always renders — a clean audit is rendered too, so CI tools see "no findings" rather than
    nothing. Every finding shows its rule id, severity, message, location and fix.
    """

    name: str = "format"

    @abc.abstractmethod
    def render(self, result: AuditResult) -> str:
        """The whole audit as text."""


def location(result: AuditResult, f: Finding) -> tuple[str, int | None]:
    """(file, line) a CI tool can point at: a real file where there is one, else the audited package.

    A path inside a zip is not a file in the repository, so it is reported at the zip (the inner path
    stays in the message); a path inside an audited folder is joined to the folder.
    """
    if f.file:
        root = Path(result.path)
        # Paths inside an audited folder are joined to it; a handler given with --handler is a file on disk.
        if root.is_dir() and (root / f.file).exists():
            return (root / f.file).as_posix(), f.line
        if f.rule == "LB501" and os.path.isfile(f.file):
            return f.file, f.line
    return result.path, None


def summary_line(result: AuditResult) -> str:
    counts = result.counts()
    parts = [f"{n} {s}{'s' if n != 1 else ''}" for s, n in counts.items() if n]
    verdict = "FAIL" if result.exit_code else "PASS"
    return f"{verdict}: {', '.join(parts) if parts else 'no findings'} (fails on {result.settings.fail_on} and above)"


def target_line(result: AuditResult) -> str:
    t = result.target
    where = f"{t.runtime} {t.arch} (glibc {t.glibc_str})" if t else "unknown target (pass --runtime/--arch)"
    return f"{where}, from {result.target_source}"
