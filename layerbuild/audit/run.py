"""Audit a layer zip, function zip or folder: findings, each with a rule, severity and fix, and an exit code.

Checks: budgets (Lambda's limits by default), growth against a baseline report, runtime-provided
packages, packages that shadow what the runtime's SDK needs, tests and caches shipped, bytecode of another Python, native code (`verify.py`), packages
duplicated between a function and its layers, more than 5 layers, SDK clients created in the handler.
Sizes come from `inventory.py`; this module only judges them. Rules are data in `audit_rules.py`.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

from layerbuild.audit.rules import SEVERITIES, Finding, at_or_above, find_rule, finding
from layerbuild.errors import InputError
from layerbuild.facts.limits import MAX_DIRECT_UPLOAD_ZIPPED_BYTES, MAX_LAYERS_PER_FUNCTION, MAX_UNZIPPED_BYTES
from layerbuild.facts.pyc_magic import python_of_pyc
from layerbuild.facts.runtime_packages import RUNTIME_PROVIDED
from layerbuild.measure.inventory import UNOWNED, Inventory, inventory_of, is_cache_file, is_test_file
from layerbuild.model.target import Target
from layerbuild.util.units import human_bytes

# Sizes: decimal units (KB, MB, GB) and binary ones (KiB, MiB, GiB). Lambda's "250 MB" is 250 MiB.
_UNITS = {
    "": 1,
    "b": 1,
    "k": 1000,
    "kb": 1000,
    "m": 1000**2,
    "mb": 1000**2,
    "g": 1000**3,
    "gb": 1000**3,
    "kib": 1024,
    "mib": 1024**2,
    "gib": 1024**3,
}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$")


def parse_size(text: str | int, where: str) -> int:
    """Bytes from `262144000`, `250MiB`, `50MB`, `1.5GB`; `where` names the flag or key for the error."""
    if isinstance(text, bool):
        raise InputError(f"{where}: {text!r} is not a size: write bytes or a number with KB, MB, GB, MiB…")
    if isinstance(text, int):
        return text
    match = _SIZE.match(str(text))
    unit = match.group(2).lower() if match else None
    if not match or unit not in _UNITS:
        raise InputError(f"{where}: {text!r} is not a size: write bytes or a number with KB, MB, GB, MiB…")
    return int(float(match.group(1)) * _UNITS[unit])


@dataclass(frozen=True)
class Growth:
    """A growth threshold: bytes, or percent of the baseline."""

    bytes: int | None = None
    percent: float | None = None

    @classmethod
    def parse(cls, text: str | int, where: str) -> Growth:
        s = str(text).strip()
        if s.endswith("%"):
            try:
                value = float(s[:-1])
            except ValueError:
                raise InputError(f"{where}: {text!r} is not a growth threshold: write 10% or 5MB") from None
            if value < 0:
                raise InputError(f"{where}: {text!r} must not be negative")
            return cls(percent=value)
        return cls(bytes=parse_size(text, where))

    def exceeded(self, before: int, after: int) -> bool:
        delta = after - before
        if delta <= 0:
            return False
        if self.bytes is not None:
            return delta > self.bytes
        if before == 0:
            return True
        return delta * 100.0 / before > (self.percent or 0.0)

    def __str__(self) -> str:
        return f"{self.percent:g}%" if self.percent is not None else human_bytes(self.bytes)


@dataclass(frozen=True)
class AuditSettings:
    """Everything that decides what is a finding. Built by `settings_from` from flags and config."""

    max_unzipped: int = MAX_UNZIPPED_BYTES
    max_zipped: int = MAX_DIRECT_UPLOAD_ZIPPED_BYTES
    max_package: tuple[tuple[str, int], ...] = ()
    max_growth: Growth | None = None
    fail_on: str = "error"
    ignore: frozenset[str] = frozenset()  # rule ids
    severity: tuple[tuple[str, str], ...] = ()  # rule id -> severity
    provided_libraries: tuple[str, ...] = ()
    unzipped_is_default: bool = True
    zipped_is_default: bool = True


@dataclass(frozen=True)
class GrowthRow:
    package: str
    before: int | None  # unzipped bytes in the baseline; None: new
    after: int | None  # None: removed

    @property
    def delta(self) -> int:
        return (self.after or 0) - (self.before or 0)

    @property
    def percent(self) -> float | None:
        return None if not self.before else self.delta * 100.0 / self.before


@dataclass(frozen=True)
class LayerSummary:
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
    extra: dict[str, Any] = field(default_factory=dict)

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


# ---------------------------------------------------------------------------------------------
# Settings: flags beat [tool.layerbuild.audit], which beats Lambda's limits.

CONFIG_KEYS = (
    "max-unzipped",
    "max-zipped",
    "max-package",
    "max-growth",
    "fail-on",
    "ignore",
    "severity",
    "provided-libraries",
)


def settings_from(flags: dict[str, Any], table: dict[str, Any] | None, config_path: Path | None) -> AuditSettings:
    """Merge flags (None = not given) over the config's audit table; errors name the key and file."""
    from layerbuild.config import section

    where_cfg = f"{config_path} [tool.layerbuild.audit]" if config_path else "[tool.layerbuild.audit]"
    cfg = section({"audit": table}, "audit", CONFIG_KEYS, config_path, separator="-")

    def pick(key: str, flag_name: str):
        if flags.get(key) not in (None, (), []):
            return flags[key], f"--{flag_name}"
        if key.replace("_", "-") in cfg:
            return cfg[key.replace("_", "-")], f"{where_cfg} {key.replace('_', '-')}"
        return None, None

    s = AuditSettings()
    value, where = pick("max_unzipped", "max-unzipped")
    if value is not None:
        s = replace(s, max_unzipped=parse_size(value, where), unzipped_is_default=False)
    value, where = pick("max_zipped", "max-zipped")
    if value is not None:
        s = replace(s, max_zipped=parse_size(value, where), zipped_is_default=False)
    packages: dict[str, int] = {}
    from layerbuild.resolve.resolver import normalize

    if "max-package" in cfg:
        raw = cfg["max-package"]
        if not isinstance(raw, dict):
            raise InputError(f'{where_cfg} max-package: must be a table like {{ numpy = "40MB" }}')
        for name, size in raw.items():
            packages[normalize(name)] = parse_size(size, f"{where_cfg} max-package.{name}")
    for item in flags.get("max_package") or ():
        name, sep, size = item.partition("=")
        if not sep or not name.strip():
            raise InputError(f"--max-package {item!r}: write NAME=SIZE, e.g. --max-package numpy=40MB")
        packages[normalize(name.strip())] = parse_size(size, f"--max-package {name}")
    s = replace(s, max_package=tuple(sorted(packages.items())))
    value, where = pick("max_growth", "max-growth")
    if value is not None:
        s = replace(s, max_growth=Growth.parse(value, where))
    value, where = pick("fail_on", "fail-on")
    if value is not None:
        if value not in SEVERITIES:
            raise InputError(f"{where}: {value!r} is not one of {', '.join(SEVERITIES)}")
        s = replace(s, fail_on=value)
    ignore = set()
    for key in _as_list(cfg.get("ignore", []), f"{where_cfg} ignore") + list(flags.get("ignore") or ()):
        rule = find_rule(key)
        if rule is None:
            raise InputError(
                f"{where_cfg if key in cfg.get('ignore', []) else '--ignore'}: unknown rule "
                f"{key!r}: use an id like LB202 or a name like tests-shipped"
            )
        ignore.add(rule.id)
    s = replace(s, ignore=frozenset(ignore))
    severity = cfg.get("severity", {})
    if not isinstance(severity, dict):
        raise InputError(f'{where_cfg} severity: must be a table like {{ tests-shipped = "error" }}')
    overrides = []
    for key, level in severity.items():
        rule = find_rule(key)
        if rule is None:
            raise InputError(f"{where_cfg} severity: unknown rule {key!r}: use an id like LB202 or a name")
        if level not in SEVERITIES:
            raise InputError(f"{where_cfg} severity.{key}: {level!r} is not one of {', '.join(SEVERITIES)}")
        overrides.append((rule.id, level))
    s = replace(s, severity=tuple(sorted(overrides)))
    libs = _as_list(cfg.get("provided-libraries", []), f"{where_cfg} provided-libraries")
    return replace(s, provided_libraries=tuple(libs))


def _as_list(value: Any, where: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(f"{where}: must be a list of strings, not {value!r}")
    return list(value)


# ---------------------------------------------------------------------------------------------
# What the target is


def package_kind(inv: Inventory) -> str:
    """'layer' when the content lives under python/ (where Lambda looks in /opt), else 'function'."""
    paths = [f.path for f in inv.files]
    if (
        paths
        and any(p.startswith("python/") for p in paths)
        and not any("/" not in p and p.endswith(".py") for p in paths)
    ):
        return "layer"
    return "function"


def is_requirements_file(path: Path) -> bool:
    import zipfile

    if not path.is_file() or zipfile.is_zipfile(path):
        return False
    return path.suffix in (".txt", ".in", ".lock") or path.name.startswith("requirements")


# ---------------------------------------------------------------------------------------------
# The checks


def _site_path(site: str, top: tuple[str, ...]) -> str | None:
    return f"{site}{top[0]}/" if top else None


def check_budgets(inv: Inventory, s: AuditSettings, layers: tuple[LayerSummary, ...], kind: str) -> list[Finding]:
    out = []
    total = inv.unzipped_bytes + sum(layer.unzipped_bytes for layer in layers)
    what = f"the {kind}" + (f" and its {len(layers)} layer(s)" if layers else "")
    budget_note = "Lambda's limit for a function and all its layers" if s.unzipped_is_default else "the budget"
    if total > s.max_unzipped:
        out.append(
            finding(
                "LB101",
                f"{what} unzip to {human_bytes(total)} ({total:,} bytes); "
                f"{budget_note} is {human_bytes(s.max_unzipped)} ({s.max_unzipped:,} bytes)",
            )
        )
    zipped = inv.zip_file_bytes
    if zipped > s.max_zipped:
        if s.zipped_is_default:
            # Over 50 MB a direct upload fails, but publishing through S3 works: a warning, not a failure.
            out.append(
                finding(
                    "LB102",
                    f"the {kind} is {human_bytes(zipped)} zipped; Lambda's direct-upload "
                    f"limit is {human_bytes(s.max_zipped)}: it must be published through S3",
                    severity="warning",
                )
            )
        else:
            out.append(
                finding(
                    "LB102", f"the {kind} is {human_bytes(zipped)} zipped; the budget is {human_bytes(s.max_zipped)}"
                )
            )
    for name, budget in s.max_package:
        d = inv.get(name)
        if d is not None and d.unzipped_bytes > budget:
            out.append(
                finding(
                    "LB103",
                    f"{d.name} {d.version or ''} unzips to {human_bytes(d.unzipped_bytes)}; "
                    f"its budget is {human_bytes(budget)}".replace("  ", " "),
                    file=_site_path(d.site, d.top_level),
                    package=d.name,
                )
            )
    return out


def check_runtime_provided(inv: Inventory) -> list[Finding]:
    return [
        finding(
            "LB201",
            f"{d.name} {d.version or ''} ({human_bytes(d.unzipped_bytes)}) is shipped, but the "
            "Lambda Python runtime already provides it".replace("  ", " "),
            file=_site_path(d.site, d.top_level),
            package=d.name,
        )
        for d in inv.distributions
        if d.name in RUNTIME_PROVIDED
    ]


def check_runtime_sdk(
    inv: Inventory, target: Target | None, layer_invs: list[tuple[str, Inventory]] = ()
) -> list[Finding]:
    """Packages the runtime's boto3/botocore import, shipped at a version outside the SDK's declared range
    (runtime_sdk.py). The function's copy comes first on sys.path, then each layer's in order."""
    if target is None:
        return []
    from layerbuild.facts.runtime_sdk import shadowed

    first: dict[str, object] = {}
    for _, each in [("", inv), *layer_invs]:
        for d in each.distributions:
            if d.name != UNOWNED and d.name not in first:
                first[d.name] = d
    return [
        finding(
            "LB403", s.message, package=s.package, file=_site_path(first[s.package].site, first[s.package].top_level)
        )
        for s in shadowed({n: d.version for n, d in first.items()}, target)
    ]


def _group_by_package(inv: Inventory, paths_and_sizes: list[tuple[str, int, str]]) -> dict[str, list]:
    grouped: dict[str, list] = defaultdict(list)
    for item in paths_and_sizes:
        grouped[item[2]].append(item)
    return grouped


def _first_folder(path: str, names: frozenset[str] | set[str]) -> str:
    parts = PurePosixPath(path).parts
    for i, part in enumerate(parts[:-1]):
        if part in names:
            return "/".join(parts[: i + 1]) + "/"
    return path


def _tests_kept_on_purpose(inv: Inventory, files) -> set[str]:
    """Test-folder files the build's slim stage keeps for a reason (`slim.kept_on_purpose`: known
    breakers, the import guard), as package paths. Judged per site folder (python/, or a function's root)."""
    from layerbuild.slim.rules import kept_on_purpose

    sites = sorted({d.site for d in inv.distributions if d.name != UNOWNED}, key=len, reverse=True)
    dist_site = {d.name: d.site for d in inv.distributions if d.name != UNOWNED}
    by_site: dict[str, dict[str, str]] = defaultdict(dict)  # site -> {relative path: distribution}
    for f in inv.files:
        if f.is_symlink:
            continue
        site = dist_site.get(f.distribution) or next((s for s in sites if f.path.startswith(s)), None)
        if site is not None and f.path.startswith(site):
            by_site[site][f.path[len(site) :]] = f.distribution if f.distribution != UNOWNED else ""
    kept: set[str] = set()
    for site, owners in by_site.items():
        found = kept_on_purpose(sorted(owners), lambda rel: owners.get(rel, ""), lambda rel: files.read(site + rel))  # noqa: B023 - used in this iteration
        kept |= {site + rel for rel in found}
    return kept


def check_tests_and_caches(inv: Inventory, target: Target | None, files) -> list[Finding]:
    from layerbuild.measure.inventory import CACHE_DIRS, TEST_DIRS

    out = []
    tests = [(f.path, f.unzipped_bytes, f.distribution) for f in inv.files if is_test_file(f.path)]
    if tests:  # what the build keeps on purpose (numpy/_core/tests/_natype.py, imported by numpy) is no finding
        kept = _tests_kept_on_purpose(inv, files)
        tests = [t for t in tests if t[0] not in kept]
    for package, items in sorted(_group_by_package(inv, tests).items()):
        folders = sorted({_first_folder(p, TEST_DIRS) for p, _, _ in items})
        size = sum(b for _, b, _ in items)
        label = package if package != UNOWNED else "files no package owns"
        out.append(
            finding(
                "LB202",
                f"{label}: {len(items)} files ({human_bytes(size)}) in test folders "
                f"{', '.join(folders[:3])}" + (f" and {len(folders) - 3} more" if len(folders) > 3 else ""),
                file=folders[0],
                package=package if package != UNOWNED else None,
            )
        )
    # __pycache__ holding bytecode of the target's Python is wanted (bytecode on purpose); other .pyc are
    # judged by the .pyc rule; what remains is tool caches.
    caches = [
        (f.path, f.unzipped_bytes, f.distribution)
        for f in inv.files
        if is_cache_file(f.path) and not f.path.endswith(".pyc")
    ]
    for package, items in sorted(_group_by_package(inv, caches).items()):
        folders = sorted({_first_folder(p, CACHE_DIRS) for p, _, _ in items})
        size = sum(b for _, b, _ in items)
        label = package if package != UNOWNED else "files no package owns"
        out.append(
            finding(
                "LB203",
                f"{label}: {len(items)} files ({human_bytes(size)}) in cache folders {', '.join(folders[:3])}",
                file=folders[0],
                package=package if package != UNOWNED else None,
            )
        )
    return out


def check_bytecode(inv: Inventory, target: Target | None, files) -> list[Finding]:
    if target is None:
        return []
    names = {f.path for f in inv.files}
    by_package: dict[tuple[str, str], list[tuple[str, bool]]] = defaultdict(list)
    for f in inv.files:
        if not f.path.endswith(".pyc"):
            continue
        version = python_of_pyc(files.read(f.path, 16))
        if version is None or version == target.python_version:
            continue
        p = PurePosixPath(f.path)
        if p.parent.name == "__pycache__":
            source = str(p.parent.parent / (p.name.split(".", 1)[0] + ".py"))
            sourceless = False  # Python ignores a __pycache__ entry of another version and reads the .py
        else:
            source = str(p.with_suffix(".py"))
            sourceless = source not in names
        by_package[(f.distribution, version)].append((f.path, sourceless))
    out = []
    for (package, version), items in sorted(by_package.items()):
        sourceless = [p for p, s in items if s]
        label = package if package != UNOWNED else "files no package owns"
        msg = (
            f"{label}: {len(items)} .pyc files written by Python {version}; {target.runtime} runs "
            f"{target.python_version}"
        )
        if sourceless:
            msg += f" — {len(sourceless)} have no .py beside them, so importing them fails (bad magic number)"
        else:
            msg += ", so they are dead weight"
        out.append(
            finding(
                "LB204",
                msg,
                file=(sourceless or [items[0][0]])[0],
                package=package if package != UNOWNED else None,
                severity="error" if sourceless else None,
            )
        )
    return out


def check_layers(kind: str, inv: Inventory, layer_invs: list[tuple[str, Inventory]]) -> list[Finding]:
    out = []
    count = len(layer_invs) + (1 if kind == "layer" else 0)
    if count > MAX_LAYERS_PER_FUNCTION:
        out.append(
            finding("LB402", f"{count} layers given; a Lambda function can use at most {MAX_LAYERS_PER_FUNCTION}")
        )
    seen: dict[str, tuple[str, str | None]] = {}
    own_label = "the function" if kind == "function" else "this layer"
    for d in inv.distributions:
        if d.name != UNOWNED:
            seen[d.name] = (own_label, d.version)
    for path, linv in layer_invs:
        for d in linv.distributions:
            if d.name == UNOWNED:
                continue
            if d.name in seen:
                where, version = seen[d.name]
                versions = f" ({version} vs {d.version})" if version != d.version else ""
                out.append(
                    finding(
                        "LB401",
                        f"{d.name} is in {where} and in layer {path}{versions}",
                        package=d.name,
                        file=_site_path(d.site, d.top_level),
                        severity="error" if versions else None,
                    )
                )
            else:
                seen[d.name] = (f"layer {path}", d.version)
    return out


def _handler_sources(kind: str, inv: Inventory, files) -> list[tuple[str, str]]:
    """(path, source) of the function's own modules: .py files no distribution owns, outside python/."""
    if kind != "function":
        return []
    out = []
    for path in inv.unowned_files:
        p = PurePosixPath(path)
        if p.suffix != ".py" or is_test_file(path) or "site-packages" in p.parts or len(p.parts) > 3:
            continue
        out.append((path, files.read(path).decode("utf-8", errors="replace")))
    return out


def check_handlers(sources: list[tuple[str, str, str | None]]) -> list[Finding]:
    from layerbuild.audit.handler_check import find_clients_in_handler

    out = []
    for path, text, function in sources:
        for hit in find_clients_in_handler(text, path, function):
            out.append(
                finding("LB501", f"{hit.call} in {hit.function}() runs on every invocation", file=path, line=hit.line)
            )
    return out


def load_baseline(path: Path) -> tuple[dict[str, int], int]:
    """({package: unzipped bytes}, total unzipped) from a report or audit JSON."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"baseline {path} does not exist: pass the report.json of a previous build") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"baseline {path} is not JSON ({exc}): pass a layerbuild report.json") from None
    packages = data.get("packages") if isinstance(data, dict) else None
    if not isinstance(packages, list) or not all(
        isinstance(p, dict) and "name" in p and isinstance(p.get("unzipped_bytes"), int) for p in packages
    ):
        raise InputError(
            f"baseline {path} has no packages list with unzipped_bytes: pass a layerbuild "
            "report.json (from build, report or audit --format json)"
        )
    sizes = {p["name"]: p["unzipped_bytes"] for p in packages}
    layer = data.get("layer") if isinstance(data.get("layer"), dict) else {}
    total = layer.get("unzipped_bytes") if isinstance(layer.get("unzipped_bytes"), int) else sum(sizes.values())
    return sizes, total


def check_growth(
    inv: Inventory, baseline: dict[str, int], baseline_total: int, s: AuditSettings
) -> tuple[list[GrowthRow], list[Finding]]:
    current = {d.name: d.unzipped_bytes for d in inv.distributions}
    rows = [GrowthRow(name, baseline.get(name), current.get(name)) for name in sorted(set(current) | set(baseline))]
    rows.sort(key=lambda r: (-r.delta, r.package))
    out = []
    t = s.max_growth
    if t is not None and t.exceeded(baseline_total, inv.unzipped_bytes):
        delta = inv.unzipped_bytes - baseline_total
        pct = f" (+{delta * 100.0 / baseline_total:.1f}%)" if baseline_total else ""
        top = [r for r in rows if r.delta > 0][:3]
        out.append(
            finding(
                "LB104",
                f"grew {human_bytes(baseline_total)} → {human_bytes(inv.unzipped_bytes)}, "
                f"+{human_bytes(delta)}{pct}, past --max-growth {t}; most growth: "
                + ", ".join(f"{r.package} +{human_bytes(r.delta)}" for r in top),
            )
        )
    for r in rows:
        if r.before is None and r.after:
            if t is not None and t.bytes is not None and r.after > t.bytes:
                out.append(
                    finding(
                        "LB105",
                        f"{r.package} is new and {human_bytes(r.after)}, past --max-growth {t}",
                        package=r.package,
                    )
                )
            else:
                out.append(finding("LB106", f"{r.package} is new ({human_bytes(r.after)})", package=r.package))
        elif t is not None and r.before is not None and r.after is not None and t.exceeded(r.before, r.after):
            pct = f" (+{r.percent:.1f}%)" if r.percent is not None else ""
            out.append(
                finding(
                    "LB105",
                    f"{r.package} grew {human_bytes(r.before)} → {human_bytes(r.after)}{pct}, past --max-growth {t}",
                    package=r.package,
                )
            )
    return rows, out


def _apply_rule_settings(findings: list[Finding], s: AuditSettings) -> tuple[Finding, ...]:
    overrides = dict(s.severity)
    kept = [replace(f, severity=overrides.get(f.rule, f.severity)) for f in findings if f.rule not in s.ignore]
    rank = {name: i for i, name in enumerate(SEVERITIES)}
    return tuple(sorted(kept, key=lambda f: (rank[f.severity], f.rule, f.file or "", f.line or 0)))


# ---------------------------------------------------------------------------------------------


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
) -> AuditResult:
    """Audit one zip or folder (with the function's other layers, handler sources and a baseline)."""
    from layerbuild.verify.native import PackageFiles, verify_native

    inv = inventory_of(path)
    kind = kind or package_kind(inv)
    layer_invs: list[tuple[str, Inventory]] = []
    for layer in layers:
        layer_invs.append((str(layer), inventory_of(layer)))
    summaries = tuple(
        LayerSummary(p, li.unzipped_bytes, li.zip_file_bytes, sum(1 for d in li.distributions if d.name != UNOWNED))
        for p, li in layer_invs
    )
    findings: list[Finding] = []
    findings += check_budgets(inv, settings, summaries, kind)
    findings += check_runtime_provided(inv)
    findings += check_runtime_sdk(inv, target, layer_invs)
    findings += check_layers(kind, inv, layer_invs)
    handler_inputs: list[tuple[str, str, str | None]] = []
    for spec in handlers:
        file, _, function = spec.partition(":")
        p = Path(file)
        if not p.is_file():
            raise InputError(
                f"--handler {spec}: {file} is not a file: name the handler's .py file (optionally file.py:function)"
            )
        handler_inputs.append((file, p.read_text(encoding="utf-8", errors="replace"), function or None))
    with PackageFiles(path) as files:
        findings += check_tests_and_caches(inv, target, files)
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
            handler_inputs += [(p, text, None) for p, text in _handler_sources(kind, inv, files)]
    findings += check_handlers(handler_inputs)
    rows: list[GrowthRow] = []
    baseline_total = None
    if baseline is not None:
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
    )
