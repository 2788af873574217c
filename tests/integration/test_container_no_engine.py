"""With no Docker engine, builds that need one fail fast with one line that says what to do; they never hang.

No engine is needed here: DOCKER_HOST points at a socket where nothing listens, or at a TCP port that
accepts connections and never answers (a hung engine). The `timeout=10` on each run is the promise
"within 10 s": a hang fails the test instead of stalling CI.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import make_wheel
from ..fixtures.sdists import make_c_extension_sdist

WHEEL_PACKAGE = "layerbuild-wheel-probe"


def _run(reqs: Path, tmp_path: Path, docker_host: str, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, DOCKER_HOST=docker_host, LAYERBUILD_CACHE_DIR=str(tmp_path / "cache"))
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "layerbuild.cli",
            "build",
            str(reqs),
            "--runtime",
            "python3.11",
            "-o",
            str(tmp_path / "out"),
            *args,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=10,
    )


def _offline_requirements(tmp_path: Path) -> Path:
    links = tmp_path / "links"
    make_wheel(links, WHEEL_PACKAGE, "1.0", {"lbwheel.py": "VALUE = 1\n"})
    reqs = tmp_path / "proj" / "requirements.txt"
    reqs.parent.mkdir()
    reqs.write_text(f"--no-index\n--find-links {links}\n{WHEEL_PACKAGE}==1.0\n")
    return reqs


def _one_error_line(proc: subprocess.CompletedProcess) -> str:
    errors = [line for line in proc.stderr.splitlines() if line.startswith("layerbuild: error:")]
    assert proc.returncode == 2, proc.stderr
    assert len(errors) == 1 and "Traceback" not in proc.stderr, proc.stderr
    return errors[0]


def test_container_backend_without_engine_exits_2_with_one_line_within_10_s(tmp_path):
    line = _one_error_line(
        _run(_offline_requirements(tmp_path), tmp_path, f"unix://{tmp_path}/no-engine.sock", "--backend", "container")
    )
    assert "no Docker engine answers" in line and "start Docker" in line and "no-engine.sock" in line
    assert not list((tmp_path / "out").glob("*.zip"))


def test_a_hung_engine_is_given_up_on_within_10_s(tmp_path):
    with socket.socket() as hung:  # accepts connections (the kernel does), never answers
        hung.bind(("127.0.0.1", 0))
        hung.listen(8)
        line = _one_error_line(
            _run(
                _offline_requirements(tmp_path),
                tmp_path,
                f"tcp://127.0.0.1:{hung.getsockname()[1]}",
                "--backend",
                "container",
            )
        )
    assert "no Docker engine answers" in line and "timed out" in line


def test_wheels_only_requirements_build_with_auto_and_no_engine(tmp_path):
    proc = _run(_offline_requirements(tmp_path), tmp_path, f"unix://{tmp_path}/no-engine.sock", "--backend", "auto")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "out" / "proj-python3.11-x86_64.zip").is_file()


@pytest.mark.network  # resolving the sdist's metadata needs setuptools from the index
def test_auto_without_engine_names_the_package_that_must_compile(tmp_path):
    links = tmp_path / "links"
    make_c_extension_sdist(links, "layerbuild-cext-probe", "1.0", "lbprobe")
    make_wheel(links, WHEEL_PACKAGE, "1.0", {"lbwheel.py": "VALUE = 1\n"})
    reqs = tmp_path / "proj" / "requirements.txt"
    reqs.parent.mkdir()
    reqs.write_text(f"--find-links {links}\nlayerbuild-cext-probe==1.0\n{WHEEL_PACKAGE}==1.0\n")
    env = dict(os.environ, DOCKER_HOST=f"unix://{tmp_path}/no-engine.sock", LAYERBUILD_CACHE_DIR=str(tmp_path / "c"))
    # Resolution and the local attempt to build the sdist come first (network): no 10 s promise here.
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "layerbuild.cli",
            "build",
            str(reqs),
            "--runtime",
            "python3.11",
            "-o",
            str(tmp_path / "out"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    line = _one_error_line(proc)
    assert "layerbuild-cext-probe 1.0 has no wheel for python3.11 x86_64" in line
    assert WHEEL_PACKAGE not in line and "start Docker" in line
