"""Lambda's CPU share for one measured process: a cgroup CPU quota of `share` cores.

Lambda gives a function memory/1,769 of a vCPU (facts/limits.py, cost_model.vcpu_share). Here that share
is reproduced, not modelled: each measured process is put, before it runs any Python (from
`preexec`, between fork and exec), into a cgroup of its own whose CFS quota is `share × period`. cgroup
v1 (`/sys/fs/cgroup/cpu/`, with `cpuacct` for the CPU time used) and v2 (`cpu.max`, `cpu.stat`) are both
handled; either needs root (or a delegated subtree). The group is named `layerbuild-<pid>-<n>` and is
always removed: on exit of the context (any process left in it, which can only be one the measured
process started, is killed first), and groups left by a killed layerbuild (dead pid in the name) are
removed by the next one.

`quota_unavailable()` says why no quota can be set on this machine (None when it can).
"""

from __future__ import annotations

import itertools
import os
import signal
import time
from pathlib import Path

from layerbuild.util.cachedir import pid_alive

ROOT = Path(os.environ.get("LAYERBUILD_CGROUP_ROOT", "/sys/fs/cgroup"))
PERIOD_US = 100_000  # CFS's default period
_PREFIX = "layerbuild-"
_counter = itertools.count()


def _v1() -> bool:
    return (ROOT / "cpu" / "cpu.cfs_quota_us").exists()


def _v2() -> bool:
    try:
        return "cpu" in (ROOT / "cgroup.controllers").read_text().split()
    except OSError:
        return False


def quota_unavailable() -> str | None:
    """None when a CPU quota can be set here, else why not (one phrase)."""
    if not (_v1() or _v2()):
        return f"no cgroup CPU controller under {ROOT}"
    parent = ROOT / "cpu" if _v1() else ROOT
    if not os.access(parent, os.W_OK):
        return f"no permission to create a cgroup under {parent} (run as root, or delegate it)"
    return None


def _sweep(parent: Path) -> None:
    """Remove groups a killed layerbuild left (the pid in their name is gone)."""
    try:
        names = [p for p in parent.iterdir() if p.name.startswith(_PREFIX)]
    except OSError:
        return
    for group in names:
        pid = group.name[len(_PREFIX) :].split("-")[0]
        if pid.isdigit() and not pid_alive(int(pid)):
            _remove(group)


def _remove(group: Path) -> None:
    """Kill whatever is left in the group (only processes we started can be there), then remove it."""
    for _ in range(50):
        try:
            pids = [int(x) for x in (group / "cgroup.procs").read_text().split()]
        except (OSError, ValueError):
            pids = []
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.02)
    for _ in range(50):
        try:
            group.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.02)  # the killed processes are still being reaped


class CpuQuota:
    """A cgroup with a CPU quota of `share` cores for one process: `with CpuQuota(0.5) as q:` then
    `Popen(..., preexec_fn=q.preexec)`; read `q.read_back()` / `q.usage_ns()` before the context ends."""

    def __init__(self, share: float) -> None:
        self.share = share
        self.quota_us = max(1000, round(share * PERIOD_US))  # CFS refuses a quota under 1 ms
        self.groups: list[Path] = []
        self._procs: list[str] = []

    def __enter__(self) -> CpuQuota:
        name = f"{_PREFIX}{os.getpid()}-{next(_counter)}"
        try:
            if _v1():
                cpu = ROOT / "cpu"
                _sweep(cpu)
                self._make(cpu / name)
                (cpu / name / "cpu.cfs_period_us").write_text(str(PERIOD_US))
                (cpu / name / "cpu.cfs_quota_us").write_text(str(self.quota_us))
                acct = ROOT / "cpuacct"
                if (acct / "cpuacct.usage").exists() and acct.resolve() != cpu.resolve():
                    _sweep(acct)
                    self._make(acct / name)
            else:
                _sweep(ROOT)
                subtree = ROOT / "cgroup.subtree_control"
                if "cpu" not in subtree.read_text().split():
                    subtree.write_text("+cpu")
                self._make(ROOT / name)
                (ROOT / name / "cpu.max").write_text(f"{self.quota_us} {PERIOD_US}")
        except BaseException:
            self.__exit__()
            raise
        # Paths as strings, computed now: preexec runs between fork and exec and should do little.
        self._procs = [str(g / "cgroup.procs") for g in self.groups]
        return self

    def _make(self, group: Path) -> None:
        group.mkdir()
        self.groups.append(group)

    def preexec(self) -> None:
        """In the child, before exec: join the groups (so the quota applies from the first instruction)."""
        pid = str(os.getpid())
        for procs in self._procs:
            with open(procs, "w") as f:
                f.write(pid)

    def read_back(self) -> tuple[int, int]:
        """(quota µs, period µs) as the kernel holds them for the group."""
        group = self.groups[0]
        if (group / "cpu.max").exists():
            quota, period = (group / "cpu.max").read_text().split()
            return (-1 if quota == "max" else int(quota)), int(period)
        return int((group / "cpu.cfs_quota_us").read_text()), int((group / "cpu.cfs_period_us").read_text())

    def usage_ns(self) -> int | None:
        """CPU time the group's processes used, in ns (None when the kernel does not count it here)."""
        for group in self.groups:
            if (group / "cpuacct.usage").exists():
                return int((group / "cpuacct.usage").read_text())
            if (group / "cpu.stat").exists() and (group / "cpu.max").exists():
                for line in (group / "cpu.stat").read_text().splitlines():
                    if line.startswith("usage_usec "):
                        return int(line.split()[1]) * 1000
        return None

    def __exit__(self, *exc: object) -> None:
        for group in reversed(self.groups):
            _remove(group)
        self.groups = []
