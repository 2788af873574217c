"""Progress lines for long steps, on stderr; grouped in GitHub Actions logs."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

_quiet = False


def set_quiet(value: bool) -> None:
    global _quiet
    _quiet = value


def note(message: str) -> None:
    if not _quiet:
        print(message, file=sys.stderr, flush=True)


def warn(message: str) -> None:
    print(f"layerbuild: warning: {message}", file=sys.stderr, flush=True)


@contextmanager
def step(message: str) -> Iterator[None]:
    """Shows `message` while a long step runs, then how long it took."""
    github = os.environ.get("GITHUB_ACTIONS") == "true"
    tty = sys.stderr.isatty()
    start = time.perf_counter()
    if not _quiet:
        if github:
            print(f"::group::{message}", file=sys.stderr, flush=True)
        elif tty:
            print(f"• {message}… ", end="", file=sys.stderr, flush=True)
    ok = False
    try:
        yield
        ok = True
    finally:
        if not _quiet:
            took = f"{time.perf_counter() - start:.1f} s" + ("" if ok else ", failed")
            if github:
                print(f"{message}: {took}", file=sys.stderr)
                print("::endgroup::", file=sys.stderr, flush=True)
            elif tty:
                print(took, file=sys.stderr, flush=True)
            else:
                print(f"• {message} ({took})", file=sys.stderr, flush=True)
