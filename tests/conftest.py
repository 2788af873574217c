"""Shared test helpers. Service fixtures (moto server, Docker engine, Chromium) live in tests/fixtures/."""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_projects"

pytest_plugins: list[str] = ["tests.fixtures.moto", "tests.fixtures.browser", "tests.fixtures.docker"]


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str


@pytest.fixture(autouse=True)
def _progress_output_reset():
    """`-q` in an in-process CLI run must not silence notes in the tests after it."""
    from layerbuild.util.progress import set_quiet

    set_quiet(False)
    yield
    set_quiet(False)


@pytest.fixture
def cache_dir(tmp_path, monkeypatch) -> Path:
    """A private layerbuild cache for one test (uv's download cache stays shared: it is only a speed-up)."""
    path = tmp_path / "lbcache"
    monkeypatch.setenv("LAYERBUILD_CACHE_DIR", str(path))
    return path


@pytest.fixture(scope="session")
def shared_cache_dir(tmp_path_factory) -> Path:
    """A layerbuild cache shared by the tests of one session (for builds several tests read)."""
    return tmp_path_factory.mktemp("lbcache-shared")


def run_cli(
    *args: str, env: dict | None = None, cwd: str | Path | None = None, timeout: float = 900, preexec_fn=None
) -> CliResult:
    """Run the real `layerbuild` command in a subprocess, as a user would.

    `preexec_fn` runs in the child before the CLI starts (e.g. to set an RLIMIT for fault injection).
    """
    full_env = dict(os.environ)
    full_env.update(env or {})
    proc = subprocess.run(
        [sys.executable, "-m", "layerbuild.cli", *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd,
        timeout=timeout,
        preexec_fn=preexec_fn,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def cli():
    return run_cli


def make_wheel(
    dest: Path,
    name: str,
    version: str,
    files: dict[str, bytes | str],
    tag: str = "py3-none-any",
    requires: list[str] | None = None,
    purelib: bool = True,
) -> Path:
    """A tiny real wheel, built by the test itself (RECORD, METADATA, WHEEL included)."""
    dist = name.replace("-", "_")
    info = f"{dist}-{version}.dist-info"
    meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    meta += "".join(f"Requires-Dist: {r}\n" for r in requires or [])
    content = {k: v.encode() if isinstance(v, str) else v for k, v in files.items()}
    content[f"{info}/METADATA"] = meta.encode()
    content[f"{info}/WHEEL"] = (
        f"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: {str(purelib).lower()}\nTag: {tag}\n"
    ).encode()
    record = []
    for path, data in content.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(data)}")
    record.append(f"{info}/RECORD,,")
    content[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    dest.mkdir(parents=True, exist_ok=True)
    wheel = dest / f"{dist}-{version}-{tag}.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        for path, data in content.items():
            zf.writestr(path, data)
    return wheel


def python_for(version: str) -> str | None:
    """An interpreter of this minor version on this machine (PATH or pyenv), or None."""
    from layerbuild.util.interpreters import find_interpreter

    found = find_interpreter(version)
    return str(found) if found else None
