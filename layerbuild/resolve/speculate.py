"""Build on a guess while the index is asked: the resolution uv makes from its cache alone, checked
against the real one.

A changed input must be resolved again (reuse.py), and `uv pip compile` then asks the index about every
project: 0.7 s for the medium set here, most of it waiting (0.28 s of CPU), while the same resolution
from uv's cache alone (`UV_OFFLINE`) takes 0.03 s and almost always gives the same lock. So the build
starts on that guess while the real resolution runs in a thread; before anything is written to the
output folder the build compares the two (`Speculation.confirm`) and, if the index had something newer,
builds again from the real lock. The layer is always the one of the real resolution; a wrong guess only
costs the work done on it (a valid cache entry of another lock). No guess is made when uv is offline
anyway (`UV_OFFLINE`), when the input is a lock (read, not resolved) or when a recent resolution of the
same input is reused; a guess uv cannot make from its cache (a package it never saw) is no guess.
For Amazon Linux 2 (resolve/checked.py) the guess still lists, from the index, the versions of a project
whose newest wheels the runtime refuses (index_files.py does not go through uv): it then runs beside
the real resolution rather than ahead of it, and is checked against it all the same.
`LAYERBUILD_SPECULATE=0` turns it off.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from layerbuild.model.lock import Lock
from layerbuild.model.target import Target
from layerbuild.resolve.requirements import RequirementsInput

if TYPE_CHECKING:  # a build from a lock (or a reused resolution) never speculates
    from concurrent.futures import Future


@dataclass(frozen=True)
class Speculation:
    guess: Lock
    real: Future[Lock]

    def confirm(self) -> Lock | None:
        """None when the real resolution is the guess; else the real lock (its error is raised here)."""
        real = self.real.result()
        if real == self.guess and real.wheel_urls == self.guess.wheel_urls:
            return None
        return real


def enabled() -> bool:
    return os.environ.get("LAYERBUILD_SPECULATE", "1") != "0" and os.environ.get("UV_OFFLINE", "") in ("", "0")


def lock_or_guess(
    reqs: RequirementsInput, target: Target, *, ttl: int, refresh: bool = False
) -> tuple[Lock, Speculation | None]:
    """reuse.lock_for_build's lock, or a guess to build on with the Speculation that confirms it."""
    from layerbuild.resolve.reuse import lock_for_build, resolve_and_remember, reusable

    if reqs.all_hashed_pins or not enabled():
        return lock_for_build(reqs, target, ttl=ttl, refresh=refresh), None
    key, found = reusable(reqs, target, ttl=ttl, refresh=refresh)
    if found is not None:
        return found, None
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="layerbuild-resolve")
    real = pool.submit(resolve_and_remember, reqs, target, key, ttl=ttl, refresh=refresh)
    pool.shutdown(wait=False)
    guess = _offline_guess(reqs, target)
    if guess is None:
        return real.result(), None
    return guess, Speculation(guess, real)


def _offline_guess(reqs: RequirementsInput, target: Target) -> Lock | None:
    from layerbuild.resolve.resolver import lock_requirements
    from layerbuild.util.uvtool import OFFLINE

    token = OFFLINE.set(True)
    try:
        return lock_requirements(reqs, target)
    except Exception:  # noqa: BLE001 - no guess (uv lacks a page, or the input is bad: the real one says so)
        return None
    finally:
        OFFLINE.reset(token)
