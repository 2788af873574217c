"""What decides a finding: the audit's settings, their `[tool.layerbuild.audit]` keys, and size parsing.

Precedence: flags beat `[tool.layerbuild.audit]`, which beats Lambda's limits. `config.py` reads this
module (the audit keys, `parse_size` for `max-unzipped`) without importing any check: it imports only
facts, model, errors and the rule catalogue.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from layerbuild.audit.rules import SEVERITIES, find_rule
from layerbuild.errors import InputError
from layerbuild.facts.limits import MAX_DIRECT_UPLOAD_ZIPPED_BYTES, MAX_UNZIPPED_BYTES
from layerbuild.facts.pep503 import canonicalize_name

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

# The keys of [tool.layerbuild.audit] (`_` is accepted for `-`).
CONFIG_KEYS = (
    "max-unzipped",
    "max-zipped",
    "max-package",
    "max-growth",
    "fail-on",
    "ignore",
    "severity",
    "provided-libraries",
    "max-init-ms",
    "max-init-growth",
    "max-init-share",
)


def parse_size(text: str | int, where: str) -> int:
    """Bytes from `262144000`, `250MiB`, `50MB`, `1.5GB`; `where` names the flag or key for the error."""
    if isinstance(text, bool):
        raise InputError(f"{where}: {text!r} is not a size: write bytes or a number with KB, MB, GB, MiB…")
    if isinstance(text, int):
        return text
    match = _SIZE.match(str(text))
    unit = match.group(2).lower() if match else None
    if match is None or unit not in _UNITS:
        raise InputError(f"{where}: {text!r} is not a size: write bytes or a number with KB, MB, GB, MiB…")
    return int(float(match.group(1)) * _UNITS[unit])


def _human(n: int | None) -> str:
    from layerbuild.util.units import human_bytes

    return human_bytes(n)


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
        return f"{self.percent:g}%" if self.percent is not None else _human(self.bytes)


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
    # The handler's init (LB601-LB603): ms at the audit's memory size, growth in %, one package's share in %.
    max_init_ms: float | None = None
    max_init_growth: float | None = None
    max_init_share: float | None = None


def audit_table(table: dict[str, Any] | None, where: str) -> dict[str, Any]:
    """The audit table with its keys spelled `max-unzipped` (users may write `_`), checked against CONFIG_KEYS."""
    if table is None:
        return {}
    if not isinstance(table, dict):
        raise InputError(f"{where}: must be a table")
    found: dict[str, Any] = {}
    for key, value in table.items():
        norm = key.replace("_", "-")
        if norm not in CONFIG_KEYS:
            raise InputError(f"{where}: unknown key {key!r} (known: {', '.join(sorted(CONFIG_KEYS))})")
        found[norm] = value
    return found


def settings_from(flags: dict[str, Any], table: dict[str, Any] | None, config_path: Path | None) -> AuditSettings:
    """Merge flags (None = not given) over the config's audit table; errors name the key and file."""
    where_cfg = f"{config_path} [tool.layerbuild.audit]" if config_path else "[tool.layerbuild.audit]"
    cfg = audit_table(table, where_cfg)

    def pick(key: str) -> tuple[Any, str]:
        flag = key.replace("_", "-")
        if flags.get(key) not in (None, (), []):
            return flags[key], f"--{flag}"
        return cfg.get(flag), f"{where_cfg} {flag}"

    s = AuditSettings()
    value, where = pick("max_unzipped")
    if value is not None:
        s = replace(s, max_unzipped=parse_size(value, where), unzipped_is_default=False)
    value, where = pick("max_zipped")
    if value is not None:
        s = replace(s, max_zipped=parse_size(value, where), zipped_is_default=False)
    s = replace(s, max_package=_package_budgets(cfg, flags.get("max_package") or (), where_cfg))
    value, where = pick("max_growth")
    if value is not None:
        s = replace(s, max_growth=Growth.parse(value, where))
    value, where = pick("fail_on")
    if value is not None:
        if value not in SEVERITIES:
            raise InputError(f"{where}: {value!r} is not one of {', '.join(SEVERITIES)}")
        s = replace(s, fail_on=value)
    s = replace(s, ignore=_ignored(cfg, flags.get("ignore") or (), where_cfg))
    s = replace(s, severity=_severities(cfg, where_cfg))
    libs = _as_list(cfg.get("provided-libraries", []), f"{where_cfg} provided-libraries")
    s = replace(s, provided_libraries=tuple(libs))
    value, where = pick("max_init_ms")
    if value is not None:
        s = replace(s, max_init_ms=_number(value, where, "a time in ms, e.g. 800 or 800ms"))
    for key in ("max_init_growth", "max_init_share"):
        value, where = pick(key)
        if value is not None:
            text = str(value).strip()
            if not text.endswith("%"):
                raise InputError(f"{where}: {value!r} is not a percentage: write e.g. 20%")
            percent = _number(text[:-1], where, "a percentage, e.g. 20%")
            s = replace(s, max_init_growth=percent) if key == "max_init_growth" else replace(s, max_init_share=percent)
    return s


def _number(value: Any, where: str, what: str) -> float:
    text = str(value).strip().lower().removesuffix("ms").strip()
    try:
        number = float(text)
    except ValueError:
        raise InputError(f"{where}: {value!r} is not {what}") from None
    if number < 0 or number != number:
        raise InputError(f"{where}: {value!r} must be a positive number")
    return number


def _package_budgets(cfg: dict[str, Any], flags: tuple[str, ...], where_cfg: str) -> tuple[tuple[str, int], ...]:
    packages: dict[str, int] = {}
    if "max-package" in cfg:
        raw = cfg["max-package"]
        if not isinstance(raw, dict):
            raise InputError(f'{where_cfg} max-package: must be a table like {{ numpy = "40MB" }}')
        for name, size in raw.items():
            packages[canonicalize_name(name)] = parse_size(size, f"{where_cfg} max-package.{name}")
    for item in flags:
        name, sep, size = item.partition("=")
        if not sep or not name.strip():
            raise InputError(f"--max-package {item!r}: write NAME=SIZE, e.g. --max-package numpy=40MB")
        packages[canonicalize_name(name.strip())] = parse_size(size, f"--max-package {name}")
    return tuple(sorted(packages.items()))


def _ignored(cfg: dict[str, Any], flags: tuple[str, ...], where_cfg: str) -> frozenset[str]:
    from_config = _as_list(cfg.get("ignore", []), f"{where_cfg} ignore")
    ignore = set()
    for key in [*from_config, *flags]:
        rule = find_rule(key)
        if rule is None:
            raise InputError(
                f"{where_cfg if key in from_config else '--ignore'}: unknown rule "
                f"{key!r}: use an id like LB202 or a name like tests-shipped"
            )
        ignore.add(rule.id)
    return frozenset(ignore)


def _severities(cfg: dict[str, Any], where_cfg: str) -> tuple[tuple[str, str], ...]:
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
    return tuple(sorted(overrides))


def _as_list(value: Any, where: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(f"{where}: must be a list of strings, not {value!r}")
    return list(value)
