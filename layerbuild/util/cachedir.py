"""Where layerbuild keeps what it remembers between runs, and whether the process that left a file is alive.

The cache folder is `$LAYERBUILD_CACHE_DIR`, else `$XDG_CACHE_HOME/layerbuild`, else `~/.cache/layerbuild`.
Temporary files and folders carry their creator's pid, so a later run can tell the leftovers of a killed
process (SIGKILL runs no cleanup) from those of a run still going.
"""

from __future__ import annotations

import os
from pathlib import Path


def cache_root() -> Path:
    env = os.environ.get("LAYERBUILD_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "layerbuild"


def pid_alive(pid: int) -> bool:
    """True when a process `pid` exists (also one of another user's, which we may not signal)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
