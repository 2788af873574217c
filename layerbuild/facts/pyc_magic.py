"""Which Python version wrote a `.pyc`: its magic number (first 2 bytes, little-endian, then b"\\r\\n").

Source: CPython's magic-number history, `Lib/importlib/_bootstrap_external.py` (up to 3.12) and
`Include/internal/pycore_magic_number.h` (3.13+); `importlib.util.MAGIC_NUMBER` is the current one
(3495 for 3.11). Each minor version owns a block of numbers (alphas and betas take several), so the
table is ranges, not only the final value.
"""

from __future__ import annotations

# (first, last) magic number -> "X.Y"
MAGIC_RANGES: tuple[tuple[int, int, str], ...] = (
    (3360, 3379, "3.6"),
    (3390, 3399, "3.7"),
    (3400, 3419, "3.8"),
    (3420, 3429, "3.9"),
    (3430, 3449, "3.10"),
    (3450, 3499, "3.11"),
    (3500, 3549, "3.12"),
    (3550, 3599, "3.13"),
    (3600, 3649, "3.14"),
    (3650, 3699, "3.15"),
)


def python_of_pyc(head: bytes) -> str | None:
    """ "X.Y" for the first bytes of a .pyc, or None when they are not a CPython 3 .pyc header we know."""
    if len(head) < 4 or head[2:4] != b"\r\n":
        return None
    number = int.from_bytes(head[:2], "little")
    return next((version for first, last, version in MAGIC_RANGES if first <= number <= last), None)
