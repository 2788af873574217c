"""Is the output read by a person at a terminal, or by grep in a pipe or a CI log?

`--format table` (the default of report, audit and build) draws a rich table only for a terminal: a
TTY, and not a CI run. Everywhere else — a pipe, a file, a CI log (`CI` set, as GitHub Actions, GitLab,
CircleCI, Travis, Buildkite and Jenkins' plugins set it) — each row or finding is one line that is never
wrapped, as ruff and mypy print theirs, so `grep` finds a whole file name and its numbers.
"""

from __future__ import annotations

import os
import sys
from typing import TextIO

# Values of CI that mean "not CI" (someone exported CI=false to say so).
_NOT_CI = ("", "0", "false", "no", "off")


def in_ci(env: dict[str, str] | None = None) -> bool:
    value = (os.environ if env is None else env).get("CI", "")
    return value.strip().lower() not in _NOT_CI


def is_terminal(stream: TextIO | None = None) -> bool:
    """True when `stream` (stdout by default) is a TTY and this is not a CI run."""
    stream = sys.stdout if stream is None else stream
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):  # closed or not a real stream
        return False
    return tty and not in_ci()


def terminal_width(default: int = 100) -> int:
    """The terminal's width for a rich table (COLUMNS wins, as in shutil)."""
    import shutil

    return max(40, shutil.get_terminal_size((default, 24)).columns)


def one_line(text: str) -> str:
    """`text` with its line breaks and tabs made spaces: one record, one line."""
    return " ".join(str(text).split()) if any(c in str(text) for c in "\r\n\t") else str(text)


def columns(rows: list[list[str]], right: frozenset[int] | set[int] = frozenset(), indent: str = "") -> list[str]:
    """Rows as lines of aligned columns (two spaces apart), never wrapped or cut: the greppable table.
    Columns whose index is in `right` are right-aligned (numbers)."""
    if not rows:
        return []
    rows = [[one_line(c) for c in r] for r in rows]
    n = max(len(r) for r in rows)
    rows = [r + [""] * (n - len(r)) for r in rows]
    widths = [max(len(r[i]) for r in rows) for i in range(n)]
    return [
        indent + "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))).rstrip()
        for r in rows
    ]
