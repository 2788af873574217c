"""What the import check found: one ImportCheck per module, the version clashes, and the build's error."""

from __future__ import annotations

from dataclasses import dataclass

from layerbuild.errors import FindingsError
from layerbuild.model.report import ImportCheckSummary


@dataclass(frozen=True)
class ImportCheck:
    module: str
    distribution: str
    ok: bool
    error: str | None = None  # the exception's last line
    rules: tuple[str, ...] = ()  # rules that removed a file the module needed
    removed_paths: tuple[str, ...] = ()  # those files (a few)
    optional: str | None = None  # the optional dependency it lacks (a warning, not a failure)
    via: str | None = None  # imports once this module is imported first, as it is meant to
    clash: Clash | None = None  # two distributions of the layer that do not fit together


@dataclass(frozen=True)
class Clash:
    """The importing distribution cannot use what another distribution of the layer now provides."""

    importer: str  # distribution (normalized) whose file ran the failing import
    importer_version: str
    provider: str  # distribution owning the module it imported from
    provider_version: str
    module: str  # the module imported from (amazon.ion.simple_types)
    name: str | None  # the name it lacks (_IonNature), None when a whole submodule is missing
    declared: str | None = None  # what the importer's metadata requires of the provider, if anything

    @property
    def constraint(self) -> str:
        # The installed version lacks the name; the versions before it are those the importer was
        # written against (a resolver installs the newest version the requirements allow).
        return f"{self.provider}<{self.provider_version}"

    def describe(self) -> str:
        what = f"{self.name!r} from {self.module}" if self.name else self.module
        declared = f" (it declares {self.declared})" if self.declared else ""
        return (
            f"version clash: {self.importer} {self.importer_version} cannot import {what} of "
            f"{self.provider} {self.provider_version}: pin {self.provider} to a version {self.importer} "
            f"supports{declared}: try `{self.constraint}` in the requirements (if an older {self.provider} "
            f"lacks it too, this check names that version next), or a newer {self.importer}"
        )


@dataclass(frozen=True)
class SmokeResult:
    python: str | None
    checks: tuple[ImportCheck, ...] = ()
    skipped: str | None = None  # why the test did not run
    skipped_modules: tuple[str, ...] = ()  # left out with --skip-import
    reused_modules: tuple[str, ...] = ()  # passed before on the same inputs: not imported again (import_cache.py)
    covered_modules: tuple[tuple[str, str], ...] = ()  # (module, the module whose check imported it whole)

    @property
    def failures(self) -> tuple[ImportCheck, ...]:
        return tuple(c for c in self.checks if not c.ok and not c.optional)

    @property
    def warnings(self) -> tuple[ImportCheck, ...]:
        return tuple(c for c in self.checks if not c.ok and c.optional)

    def summary(self) -> ImportCheckSummary:
        """What the build records and the report shows (`imports_verified`)."""
        return ImportCheckSummary(
            python=self.python,
            skipped=self.skipped,
            modules=len(self.checks),
            failures=tuple(describe(c) for c in self.failures),
            warnings=tuple(describe(c) for c in self.warnings),
            # module -> the module imported before it (it loads only through that one)
            imported_after=tuple((c.module, c.via) for c in self.checks if c.via),
            skipped_modules=self.skipped_modules,  # left out with --skip-import
        )


def describe(check: ImportCheck) -> str:
    if check.optional:
        return f"{check.module} ({check.distribution}) needs the optional {check.optional}, not in the layer"
    if check.rules:
        files = ", ".join(check.removed_paths)
        return (
            f"{check.module} ({check.distribution}) fails: {check.error}; removed by "
            f"{' and '.join(repr(r) for r in check.rules)} ({files})"
        )
    if check.clash:
        return f"{check.module} ({check.distribution}) fails: {check.error}; {check.clash.describe()}"
    return f"{check.module} ({check.distribution}) fails: {check.error} (not caused by a removal)"


def raise_on_failures(result: SmokeResult) -> None:
    """FindingsError (exit 1) naming each failing module and what to do about it."""
    if not result.failures:
        return
    blamed = [c for c in result.failures if c.rules]
    own = [c for c in result.failures if not c.rules and not c.clash]
    if blamed:
        hint = "; keep the file with --keep PKG:GLOB or remove the --drop, or skip this check with --no-verify"
    elif own:
        names = " ".join(f"--skip-import {c.module}" for c in own[:3])
        hint = (
            f"; if your code never imports {'it' if len(own) == 1 else 'them'} on its own, leave "
            f"{'it' if len(own) == 1 else 'them'} out with {names} (--no-verify skips every check)"
        )
    else:
        hint = ""  # each clash names its constraint
    details = "; ".join(describe(c) for c in result.failures[:5])
    more = f" (+{len(result.failures) - 5} more)" if len(result.failures) > 5 else ""
    raise FindingsError(f"import smoke test failed for {len(result.failures)} module(s): {details}{more}{hint}")
