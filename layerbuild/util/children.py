"""Stop every process a build started when layerbuild is told to stop (SIGTERM, Ctrl-C, SIGHUP).

A build starts uv, which starts build backends, which start cmake, ninja and compilers; smoke and
bytecode checks start interpreters. Python's default SIGTERM ends layerbuild at once, without running
`finally`, and leaves that whole tree running as orphans with their temporary folders.

How: children stay in layerbuild's own process group (so a signal to the group, as a terminal's
Ctrl-C or a CI runner cancelling a job sends, or a SIGKILL of the group, reaches them directly).
When layerbuild alone gets the signal, the handler finds every descendant process (by parent pid:
/proc on Linux, `ps` elsewhere), stops them all with SIGSTOP until no new one appears (a stopped
process cannot start another), kills them with SIGKILL, and then raises in the main thread, so that
every `finally` and `TemporaryDirectory` unwinds and build containers are removed. The CLI sweeps
once more before exiting, for a child a worker thread started after the first sweep.

Only descendants of this process are ever signalled: never a process group or name we do not own.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from types import FrameType


class Terminated(BaseException):
    """SIGTERM or SIGHUP arrived: a BaseException so that no `except Exception` swallows it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum

    @property
    def signal_name(self) -> str:
        return signal.Signals(self.signum).name


def _parent_pids_proc() -> dict[int, int] | None:
    """pid -> parent pid of every process, from /proc; None where there is no /proc."""
    try:
        names = os.listdir("/proc")
    except OSError:
        return None
    parents: dict[int, int] = {}
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue  # exited meanwhile
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ")".
        fields = stat[stat.rfind(b")") + 2 :].split()
        if len(fields) >= 2:
            parents[int(name)] = int(fields[1])
    return parents


def _parent_pids_ps() -> dict[int, int]:
    import subprocess

    try:
        out = subprocess.run(
            ["ps", "-A", "-o", "pid=", "-o", "ppid="], capture_output=True, text=True, timeout=10
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    parents = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0].isdigit() and parts[1].isdigit():
            parents[int(parts[0])] = int(parts[1])
    return parents


def descendants(root: int | None = None) -> set[int]:
    """The pids of every living process below `root` (default: this process)."""
    root = os.getpid() if root is None else root
    parents = _parent_pids_proc()
    if parents is None:
        parents = _parent_pids_ps()
    children: dict[int, list[int]] = {}
    for pid, ppid in parents.items():
        children.setdefault(ppid, []).append(pid)
    found: set[int] = set()
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in found and child != root:
                found.add(child)
                todo.append(child)
    return found


def _signal(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def stop_descendants() -> int:
    """Freeze every descendant (repeating until no new one appears), then SIGKILL them all.
    Returns how many were killed. Safe to call from a signal handler and more than once."""
    frozen: set[int] = set()
    for _ in range(50):  # a fork bomb is not our problem; a build tree settles in a round or two
        new = descendants() - frozen
        if not new:
            break
        for pid in new:
            _signal(pid, signal.SIGSTOP)
        frozen |= new
    for pid in frozen:
        _signal(pid, signal.SIGKILL)
    return len(frozen)


def stop_tree(pid: int) -> None:
    """Freeze `pid` and every process below it, then SIGKILL them all (a child that timed out)."""
    frozen: set[int] = set()
    new = {pid}
    for _ in range(50):
        for p in new:
            _signal(p, signal.SIGSTOP)
        frozen |= new
        new = (descendants(pid) | {pid}) - frozen
        if not new:
            break
    for p in frozen:
        _signal(p, signal.SIGKILL)


_HANDLED = (signal.SIGTERM, signal.SIGINT) + ((signal.SIGHUP,) if hasattr(signal, "SIGHUP") else ())


_sweeping = False  # a second signal while the first one's sweep runs must not cut it short


def stop_signal_handler(signum: int, frame: FrameType | None) -> None:
    global _sweeping
    if _sweeping:
        return  # the sweep under way finishes (a frozen process left unkilled would hang forever), then raises
    _sweeping = True
    try:
        stop_descendants()
    finally:
        _sweeping = False
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise Terminated(signum)


class handle_stop_signals:
    """While active (main thread only), SIGTERM/SIGINT/SIGHUP kill every descendant process and raise
    `Terminated` (or KeyboardInterrupt) in the main thread. The previous handlers come back on exit."""

    def __enter__(self) -> handle_stop_signals:
        self._old = {}
        if threading.current_thread() is threading.main_thread():
            for signum in _HANDLED:
                try:
                    self._old[signum] = signal.signal(signum, stop_signal_handler)
                except (OSError, ValueError):
                    pass
        return self

    def __exit__(self, *exc: object) -> None:
        for signum, old in self._old.items():
            signal.signal(signum, old)


def on_stopped() -> None:
    """After the stack unwound from a stop signal: kill any child a worker thread started meanwhile."""
    try:
        stop_descendants()
    except Exception:  # noqa: BLE001 - best effort on the way out
        print("layerbuild: could not check for leftover child processes", file=sys.stderr)
