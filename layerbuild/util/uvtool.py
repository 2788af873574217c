"""Run the uv binary that ships with the `uv` Python package, with the user's index settings."""

from __future__ import annotations

import os
import subprocess
from contextvars import ContextVar
from functools import lru_cache

from layerbuild.errors import EnvironmentProblem
from layerbuild.util.redact import redact

# pip's environment settings and their uv names: users behind a private index or proxy set the pip ones.
_PIP_TO_UV = {
    "PIP_INDEX_URL": "UV_INDEX_URL",
    "PIP_EXTRA_INDEX_URL": "UV_EXTRA_INDEX_URL",
    "PIP_FIND_LINKS": "UV_FIND_LINKS",
    "PIP_NO_INDEX": "UV_NO_INDEX",
}


@lru_cache(maxsize=1)
def uv_binary() -> str:
    try:
        from uv import find_uv_bin

        return find_uv_bin()
    except Exception:  # noqa: BLE001 - the uv package is missing or broken: fall back to PATH
        import shutil

        found = shutil.which("uv")
        if not found:
            raise EnvironmentProblem("uv was not found: reinstall layerbuild (`pip install layerbuild`)") from None
        return found


# Set (in one thread's context) to run uv on its cache alone: resolve/speculate.py's guess.
OFFLINE: ContextVar[bool] = ContextVar("layerbuild_uv_offline", default=False)


def uv_environment() -> dict[str, str]:
    env = dict(os.environ)
    if OFFLINE.get():
        env["UV_OFFLINE"] = "1"
    for pip_name, uv_name in _PIP_TO_UV.items():
        if pip_name in env and uv_name not in env:
            value = env[pip_name]
            # pip separates several find-links/extra-index URLs with spaces, uv too.
            env[uv_name] = value
    # The CA bundle pip uses must reach uv as well (corporate proxies, private indexes).
    if "SSL_CERT_FILE" not in env:
        for name in ("PIP_CERT", "REQUESTS_CA_BUNDLE"):
            if env.get(name):
                env["SSL_CERT_FILE"] = env[name]
                break
    env.setdefault("UV_PYTHON_DOWNLOADS", "never")
    env.pop("VIRTUAL_ENV", None)
    return env


def run_uv(args: list[str], *, cwd: str | None = None, timeout: float = 1800) -> subprocess.CompletedProcess[str]:
    """Run uv; never raises on its exit code (callers turn failures into one line).

    No compiler can run in it (no_compilers.py): an sdist uv builds here must be pure Python. Safe to
    call from several threads at once; a stop signal kills it with the rest of the build (children.py)."""
    from layerbuild.util.no_compilers import without_compilers

    cmd = [uv_binary(), *args]
    try:
        return subprocess.run(
            cmd, cwd=cwd, env=without_compilers(uv_environment()), capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        raise EnvironmentProblem(
            f"uv {args[0]} {args[1] if len(args) > 1 else ''} took over {timeout:.0f} s: check the network or the index"
        ) from None


def first_error_line(stderr: str) -> str:
    """uv's most telling line: a compiler the build tried to run, else the `cause:` if present, else the
    first `error:` line."""
    from layerbuild.util.no_compilers import blocked_message, blocked_tool

    tool = blocked_tool(stderr)
    if tool:
        import re

        built = re.search(r"Failed to (?:build|download and build) `([^`]+)`", stderr)
        return blocked_message(f"building {redact(built.group(1))}" if built else "building an sdist", tool)
    lines = [line.strip() for line in redact(stderr).splitlines() if line.strip()]
    for prefix in ("cause:", "error:", "Caused by:"):
        for line in lines:
            if line.startswith(prefix):
                text = line[len(prefix) :].strip()
                if prefix == "error:" and any(x.startswith("Caused by:") for x in lines):
                    continue
                # A full disk or a missing permission is only named by the last cause: keep its reason.
                root = [x for x in lines if x.startswith(prefix)][-1]
                if root != line and "(os error" in root:
                    text += ": " + root.rsplit(": ", 1)[-1]
                return text
    return lines[-1] if lines else "uv failed without a message"
