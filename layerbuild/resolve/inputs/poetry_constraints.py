"""Poetry's version constraints (`^3.10`, `~3.9`, `>=3.8,<3.11`, `3.10.*`, `<3.8 || >=3.10`, `*`), as
Poetry reads them, for Python versions: does one allow the runtime's Python, and its PEP 440 form."""

from __future__ import annotations

import re

from layerbuild.errors import InputError

_OP = re.compile(r"^(\^|~=|~|==|!=|>=|<=|>|<|=)?\s*(.+)$")


def _pieces(constraint: str) -> list[list[str]]:
    """OR-alternatives of AND-pieces, each a PEP 440 clause."""
    alternatives = []
    for alt in constraint.split("||"):
        alt = re.sub(r"(\^|~=|~|==|!=|>=|<=|>|<|=)\s+", r"\1", alt.strip())
        clauses: list[str] = []
        for raw in (p for p in re.split(r"[,\s]+", alt) if p):
            clauses.extend(_clause(raw, constraint))
        alternatives.append(clauses)
    return alternatives


def _clause(raw: str, whole: str) -> list[str]:
    if raw == "*":
        return []
    m = _OP.match(raw)
    if not m:
        raise InputError(f"cannot read the Poetry constraint {whole!r}")
    op, version = m.group(1) or "", m.group(2)
    parts = [int(x) if x.isdigit() else x for x in version.split(".")]
    if op == "^":
        nums = [int(x) for x in version.split(".") if x.isdigit()]
        first = next((i for i, n in enumerate(nums) if n != 0), len(nums) - 1)
        upper = [*nums[:first], nums[first] + 1]
        return [f">={version}", f"<{'.'.join(map(str, upper))}"]
    if op == "~":
        nums = [int(x) for x in version.split(".") if x.isdigit()]
        upper = [nums[0] + 1] if len(nums) == 1 else [*nums[:1], nums[1] + 1]
        return [f">={version}", f"<{'.'.join(map(str, upper))}"]
    if op in ("", "="):
        return [f"=={version}" if "*" in version or len(parts) > 2 else f"=={version}.*"]
    return [f"{op}{version}"]


def python_allows(constraint: str, python_version: str) -> bool:
    """Whether the Poetry constraint allows Python `python_version` ("3.12")."""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    full = f"{python_version}.0"
    try:
        return any(SpecifierSet(",".join(c)).contains(full, prereleases=True) for c in _pieces(constraint))
    except InvalidSpecifier:
        raise InputError(f"cannot read the Poetry constraint {constraint!r}") from None


def to_pep440(constraint: str) -> str | None:
    """The PEP 440 specifier of a Poetry constraint (alternatives joined by ` || `, as `inputs.allows` reads)."""
    return " || ".join(",".join(c) for c in _pieces(constraint)) or None
