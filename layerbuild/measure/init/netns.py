"""The init sandbox's network namespace: as root with util-linux, each run gets one of its own (see
sandbox.py); the audit hook of bootstrap.py refuses other hosts in every case."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess


@functools.cache
def netns_prefix() -> tuple[str, ...]:
    """`unshare --net --` when it works here (root, util-linux): a network namespace of its own whose only
    interface is loopback, brought up as Lambda's is (`ip link set lo up`, when iproute2 is here: a handler
    may talk to 127.0.0.1 at init, e.g. an extension's port), so that not even a C library reaches another
    host. Empty elsewhere: the audit hook alone."""
    unshare = shutil.which("unshare")
    if unshare is None or os.geteuid() != 0:
        return ()
    ip = shutil.which("ip")
    # sh runs `ip` then execs the interpreter in its place: the pid (and its cgroup) stay the same.
    prefix = (unshare, "--net", "--", *(("sh", "-c", f'{ip} link set lo up && exec "$@"', "sh") if ip else ()))
    try:
        ok = subprocess.run([*prefix, "true"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.SubprocessError):
        ok = False
    return prefix if ok else ()


def loopback_up() -> bool:
    return len(netns_prefix()) > 3
