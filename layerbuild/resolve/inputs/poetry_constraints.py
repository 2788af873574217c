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
    if op in ("", "=") and "*" not in version and len(version.split(".")) <= 2:
        return [f"=={version}.*"]  # for Python, Poetry reads `3.10` as any 3.10.x
    from layerbuild.resolve.inputs.poetry_pyproject import clause_to_pep440

    return clause_to_pep440(raw, f"the Poetry constraint {whole!r}")


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
