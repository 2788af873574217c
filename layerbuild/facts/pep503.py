"""A distribution name in PEP 503's normalized form ("Django" -> "django", "oslo.concurrency" ->
"oslo-concurrency"): `re.sub(r"[-_.]+", "-", name).lower()`, https://peps.python.org/pep-0503/#normalized-names.

The same answer as `packaging.utils.canonicalize_name`, without importing `packaging.utils`, which loads
`packaging.tags` and with it `logging` and `subprocess` (20 ms of an unchanged rebuild).
tests/unit/util/test_pep503.py compares both.
"""

from __future__ import annotations


def canonicalize_name(name: str) -> str:
    value = name.lower().replace("_", "-").replace(".", "-")
    while "--" in value:
        value = value.replace("--", "-")
    return value
