"""Native code is compiled only where it can run on Lambda, and a stopped build leaves nothing running.

`--backend auto` decides whether an sdist is pure Python without compiling anything here: it reads the
sdist (sdist_probe.py), and builds what shows no sign of native code with every compiler replaced by a
failing stand-in (no_compilers.py). These tests put a *recording* `cc` and `gcc` first on PATH and in
`CC`/`CXX`: if any build here reached for a compiler the usual way, the record file would exist.
No Docker engine is reachable (DOCKER_HOST is a dead socket), so what must compile fails with exit 2.

The sdists are tiny ones the tests build (tests/fixtures/sdists.py); their names are not on PyPI.
Tests marked `network` need setuptools from the index for the build backend (uv's cache serves it
after the first run).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from ..conftest import make_wheel
from ..fixtures.sdists import make_c_extension_sdist, make_pure_sdist, make_sdist

WHEEL_PACKAGE = "layerbuild-wheel-probe"


@pytest.fixture
def sandbox(tmp_path):
    """A recording compiler on PATH and in CC/CXX, a dead Docker socket, a private cache and TMPDIR."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    record = tmp_path / "compiler-calls.txt"
    for tool in ("cc", "gcc", "c++", "g++", "clang", "x86_64-linux-gnu-gcc"):
        script = bin_dir / tool
        script.write_text(f'#!/bin/sh\necho "$0 $*" >> {record}\nexit 1\n')
        script.chmod(0o755)
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = dict(
        os.environ,
        PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        CC=str(bin_dir / "cc"),
        CXX=str(bin_dir / "c++"),
        DOCKER_HOST=f"unix://{tmp_path}/no-engine.sock",
        LAYERBUILD_CACHE_DIR=str(tmp_path / "cache"),
        TMPDIR=str(temp),
    )
    return {"env": env, "record": record, "tmp": temp, "root": tmp_path}


def _left_in_tmp(tmp: Path) -> list[str]:
    """What a build left in TMPDIR, except the `uv-*.lock` files uv itself keeps there after every build
    (its lock on the build environment: empty files, not folders)."""
    return sorted(
        p.name for p in tmp.iterdir() if not (p.is_file() and p.name.startswith("uv-") and p.name.endswith(".lock"))
    )


def _requirements(root: Path, links: Path, *lines: str, offline: bool = False) -> Path:
    reqs = root / "proj" / "requirements.txt"
    reqs.parent.mkdir(exist_ok=True)
    reqs.write_text(("--no-index\n" if offline else "") + f"--find-links {links}\n" + "".join(f"{x}\n" for x in lines))
    return reqs


def _build_cmd(reqs: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "layerbuild.cli", "build", str(reqs), "--runtime", "python3.11", "-o", str(out)]


def _one_error_line(proc: subprocess.CompletedProcess) -> str:
    errors = [line for line in proc.stderr.splitlines() if line.startswith("layerbuild: error:")]
    assert proc.returncode == 2, proc.stderr
    assert len(errors) == 1 and "Traceback" not in proc.stderr, proc.stderr
    return errors[0]


def test_native_sdist_without_engine_exits_2_within_10_s_naming_it_and_no_compiler_runs(sandbox):
    root = sandbox["root"]
    links = root / "links"
    # Static metadata (PKG-INFO 2.2): uv resolves it offline, so the 10 s promise holds without network.
    make_c_extension_sdist(links, "layerbuild-cext-probe", "1.0", "lbprobe", metadata_version="2.2")
    make_wheel(links, WHEEL_PACKAGE, "1.0", {"lbwheel.py": "VALUE = 1\n"})
    reqs = _requirements(root, links, "layerbuild-cext-probe==1.0", f"{WHEEL_PACKAGE}==1.0", offline=True)
    proc = subprocess.run(
        _build_cmd(reqs, root / "out"), env=sandbox["env"], capture_output=True, text=True, timeout=10
    )
    line = _one_error_line(proc)
    assert "layerbuild-cext-probe 1.0 has no wheel for python3.11 x86_64" in line
    assert "setup.py declares compiled extensions" in line and "no Docker engine answers" in line
    assert WHEEL_PACKAGE not in line
    assert not sandbox["record"].exists(), sandbox["record"].read_text()
    assert not list((root / "out").glob("*.zip"))
    assert _left_in_tmp(sandbox["tmp"]) == []


def _hidden_extension_sdist(links: Path) -> None:
    """A C extension declared in a helper module, so that reading the sdist shows no sign of it: only
    the build (with the compilers stood in for) can find out."""
    helper = (
        "from setuptools import Extension\n"
        "def options():\n"
        "    return {'ext' + '_modules': [Extension('lbhidden', ['lbhidden.c'])]}\n"
    )
    setup_py = (
        "import os, sys\nsys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))\n"
        "from setuptools import setup\nfrom lbhidden_build import options\n"
        "setup(name='layerbuild-hidden-probe', version='1.0', py_modules=[], **options())\n"
    )
    from ..fixtures.sdists import C_MODULE

    make_sdist(
        links,
        "layerbuild-hidden-probe",
        "1.0",
        {"lbhidden_build.py": helper, "lbhidden.c": C_MODULE % {"module": "lbhidden"}},
        setup_py,
        metadata_version="2.2",
    )


@pytest.mark.network  # setuptools for the build backend
def test_a_native_build_the_sdist_does_not_show_stops_at_its_first_compiler_call(sandbox):
    root = sandbox["root"]
    links = root / "links"
    _hidden_extension_sdist(links)
    reqs = _requirements(root, links, "layerbuild-hidden-probe==1.0")
    proc = subprocess.run(
        _build_cmd(reqs, root / "out"), env=sandbox["env"], capture_output=True, text=True, timeout=300
    )
    line = _one_error_line(proc)
    assert "layerbuild-hidden-probe 1.0 has no wheel for python3.11 x86_64" in line
    assert "its build runs cc" in line and "no Docker engine answers" in line
    assert not sandbox["record"].exists(), sandbox["record"].read_text()
    assert _left_in_tmp(sandbox["tmp"]) == []


@pytest.mark.network  # setuptools for the build backend
def test_pure_python_sdist_still_builds_here_without_engine(sandbox):
    root = sandbox["root"]
    links = root / "links"
    make_pure_sdist(links, "layerbuild-pure-probe", "1.0", "lbpure")
    reqs = _requirements(root, links, "layerbuild-pure-probe==1.0")
    proc = subprocess.run(
        _build_cmd(reqs, root / "out"), env=sandbox["env"], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    with zipfile.ZipFile(root / "out" / "proj-python3.11-x86_64.zip") as zf:
        assert "python/lbpure.py" in zf.namelist()
    assert not sandbox["record"].exists()
    assert _left_in_tmp(sandbox["tmp"]) == []


def _alive(pid: int) -> bool:
    """True while `pid` exists and is not a zombie (read from /proc, independently of layerbuild)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return False
    return stat[stat.rfind(b")") + 2 :].split()[0] != b"Z"


def _tree(root: int) -> set[int]:
    parents = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", "rb") as f:
                    stat = f.read()
            except OSError:
                continue
            parents[int(name)] = int(stat[stat.rfind(b")") + 2 :].split()[1])
    found, todo = set(), [root]
    while todo:
        parent = todo.pop()
        for pid, ppid in parents.items():
            if ppid == parent and pid not in found:
                found.add(pid)
                todo.append(pid)
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process tree from /proc")
@pytest.mark.network  # setuptools for the build backend
@pytest.mark.parametrize("sig, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_stop_signal_during_an_sdist_build_leaves_no_process_and_no_temp_folder(sandbox, sig, code):
    root = sandbox["root"]
    links = root / "links"
    pids = root / "build-pids.txt"
    # While uv builds the wheel, setup.py starts a child that sleeps and sleeps itself (the stand-in
    # for a long compile: a backend with its own child processes), after writing down the pids.
    slow = (
        "import os, subprocess, sys, time\n"
        "if 'bdist_wheel' in sys.argv and os.environ.get('LB_TEST_PIDS'):\n"
        "    child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
        "    with open(os.environ['LB_TEST_PIDS'] + '.part', 'w') as f:\n"
        "        f.write(f'{os.getppid()} {os.getpid()} {child.pid}')\n"
        "    os.replace(os.environ['LB_TEST_PIDS'] + '.part', os.environ['LB_TEST_PIDS'])\n"
        "    time.sleep(600)\n"
    )
    make_pure_sdist(links, "layerbuild-sleepy-probe", "1.0", "lbsleepy", setup_extra=slow)
    reqs = _requirements(root, links, "layerbuild-sleepy-probe==1.0")
    env = dict(sandbox["env"], LB_TEST_PIDS=str(pids))
    # Its own session, so that the test can clean up if the promise is broken; the signal goes to the
    # layerbuild process alone, as `kill PID` or a supervisor sends it.
    proc = subprocess.Popen(
        _build_cmd(reqs, root / "out"),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 240
        while not pids.exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the sdist build never started"
            time.sleep(0.1)
        started = {int(p) for p in pids.read_text().split()} | _tree(proc.pid)
        assert len(started) >= 3  # uv, the build backend, its sleeping child (at least)
        proc.send_signal(sig)
        _, stderr = proc.communicate(timeout=60)
        assert proc.returncode == code, stderr
        assert "Traceback" not in stderr
        deadline = time.monotonic() + 10
        while any(_alive(p) for p in started) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [p for p in started if _alive(p)] == []
        assert _left_in_tmp(sandbox["tmp"]) == []
        assert list((root / "cache" / "tmp").iterdir()) == []
        assert not list((root / "out").glob("*.zip"))
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.mark.network  # docopt from PyPI: an sdist-only, pure-Python package
def test_docopt_from_the_index_builds_here_from_its_sdist_without_a_compiler_or_engine(sandbox):
    root = sandbox["root"]
    reqs = root / "proj" / "requirements.txt"
    reqs.parent.mkdir()
    reqs.write_text("docopt==0.6.2\n")
    proc = subprocess.run(
        _build_cmd(reqs, root / "out"), env=sandbox["env"], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    with zipfile.ZipFile(root / "out" / "proj-python3.11-x86_64.zip") as zf:
        assert "python/docopt.py" in zf.namelist()
    assert not sandbox["record"].exists()
    assert _left_in_tmp(sandbox["tmp"]) == []
