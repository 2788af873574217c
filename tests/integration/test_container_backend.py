"""The container backend: only what must compile goes through the build image, and no container remains.

Real engine, real stand-in image (debootstrap bookworm: python3.11 + gcc), real pip and setuptools from
the index inside the container. The packages under test are tiny sdists and a wheel made by the test
and served with --find-links; their names do not exist on PyPI.
"""

from __future__ import annotations

import base64
import http.server
import json
import os
import signal
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest

from ..conftest import make_wheel, run_cli
from ..fixtures.docker import STAND_IN_RUNTIME, layerbuild_containers
from ..fixtures.sdists import make_c_extension_sdist, make_pure_sdist

pytestmark = [pytest.mark.docker, pytest.mark.network]

C_PACKAGE = "layerbuild-cext-probe"
PURE_SDIST = "layerbuild-pure-probe"
WHEEL_PACKAGE = "layerbuild-wheel-probe"
TOKEN = "idx-C0ntainer-5b7e29d4a1"


def _requirements(folder: Path, links: Path, *lines: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "requirements.txt"
    path.write_text(f"--find-links {links}\n" + "".join(f"{line}\n" for line in lines))
    return path


def _build(reqs: Path, out: Path, cache: Path, image: str, *args: str, env: dict | None = None):
    return run_cli(
        "build",
        str(reqs),
        "--runtime",
        STAND_IN_RUNTIME,
        "--image",
        image,
        "--network",
        "host",
        "-o",
        str(out),
        *args,
        env={"LAYERBUILD_CACHE_DIR": str(cache), **(env or {})},
    )


@pytest.fixture(scope="module")
def auto_builds(tmp_path_factory, stand_in_image):
    """The same requirements built twice with --backend auto, each from an empty layerbuild cache."""
    root = tmp_path_factory.mktemp("auto")
    links = root / "links"
    make_c_extension_sdist(links, C_PACKAGE, "1.0", "lbprobe")
    make_pure_sdist(links, PURE_SDIST, "1.0", "lbpure")
    make_wheel(links, WHEEL_PACKAGE, "1.0", {"lbwheel.py": "VALUE = 'from a wheel'\n"})
    reqs = _requirements(root / "probe", links, f"{C_PACKAGE}==1.0", f"{PURE_SDIST}==1.0", f"{WHEEL_PACKAGE}==1.0")
    runs = []
    for n in (1, 2):
        out = root / f"out{n}"
        result = _build(reqs, out, root / f"cache{n}", stand_in_image, "--backend", "auto")
        assert result.code == 0, result.stderr
        runs.append(
            {
                "result": result,
                "zip": out / f"probe-{STAND_IN_RUNTIME}-x86_64.zip",
                "report": json.loads((out / f"probe-{STAND_IN_RUNTIME}-x86_64.report.json").read_text()),
            }
        )
    return {"root": root, "runs": runs, "links": links}


def test_only_the_package_that_compiles_is_built_in_the_container(auto_builds):
    first = auto_builds["runs"][0]
    assert first["report"]["built_in_container"] == [C_PACKAGE]
    assert f"in {STAND_IN_RUNTIME}" not in first["result"].stderr  # sanity: progress names the image, not the runtime
    assert f": {C_PACKAGE} (" in first["result"].stderr or f": {C_PACKAGE}\n" in first["result"].stderr
    packages = {p["name"] for p in first["report"]["packages"]}
    assert {C_PACKAGE, PURE_SDIST, WHEEL_PACKAGE} <= packages
    # The wheel and the pure-Python sdist were installed here by uv; only the C package by pip in the image.
    with zipfile.ZipFile(first["zip"]) as zf:
        installers = {
            name.split("/")[1].split("-")[0]: zf.read(name).decode().strip()
            for name in zf.namelist()
            if name.endswith(".dist-info/INSTALLER")
        }
    assert installers == {"layerbuild_cext_probe": "pip", "layerbuild_pure_probe": "uv", "layerbuild_wheel_probe": "uv"}


def test_the_layers_extension_imports_and_works_with_the_images_python(
    auto_builds, tmp_path, docker_engine, stand_in_image
):
    with zipfile.ZipFile(auto_builds["runs"][0]["zip"]) as zf:
        zf.extractall(tmp_path)
        assert any(
            n.startswith("python/lbprobe.cpython-311-x86_64-linux-gnu") and n.endswith(".so") for n in zf.namelist()
        )
    code = (
        "import sys; sys.path.insert(0, '/opt/python'); import lbprobe, lbpure, lbwheel; "
        "assert lbprobe.__file__.startswith('/opt/python/'), lbprobe.__file__; "
        "print(lbprobe.add(40, 2), lbpure.VALUE, lbwheel.VALUE)"
    )
    # As Lambda does: the layer's python/ folder at /opt/python, read-only, nothing else on the path.
    output = docker_engine.containers.run(
        stand_in_image,
        ["python3", "-I", "-c", code],
        remove=True,
        network_mode="none",
        volumes={str(tmp_path / "python"): {"bind": "/opt/python", "mode": "ro"}},
        labels={"layerbuild-test": "1"},
    )
    assert output.decode().split() == ["42", "42", "from", "a", "wheel"]


def test_second_build_from_an_empty_cache_is_byte_identical(auto_builds):
    first, second = auto_builds["runs"]
    assert second["report"]["cached"] is False  # it really rebuilt (its own empty cache)
    assert second["report"]["built_in_container"] == [C_PACKAGE]
    assert first["zip"].read_bytes() == second["zip"].read_bytes()


def test_no_container_remains_after_builds(auto_builds):
    assert auto_builds["runs"][0]["report"]["built_in_container"]  # a container was used…
    assert layerbuild_containers() == []  # …and is gone


@pytest.fixture
def authenticated_index():
    """A real (empty) PEP 503 index on 127.0.0.1 that answers 401 without `ci-user:TOKEN` and 404 with
    it; it records who asked with the right credentials (by User-Agent)."""
    expected = "Basic " + base64.b64encode(f"ci-user:{TOKEN}".encode()).decode()
    seen: list[str] = []

    class Index(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            ok = self.headers.get("Authorization") == expected
            if ok:
                seen.append(self.headers.get("User-Agent", ""))
            self.send_response(404 if ok else 401)
            if not ok:
                self.send_header("WWW-Authenticate", 'Basic realm="private"')
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Index)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield {
        "url": f"http://ci-user:{TOKEN}@127.0.0.1:{server.server_address[1]}/simple",
        "host": f"127.0.0.1:{server.server_address[1]}",
        "seen": seen,
    }
    server.shutdown()
    server.server_close()


def test_failing_build_exits_2_with_one_line_naming_the_package_and_leaves_no_container(
    tmp_path, stand_in_image, authenticated_index
):
    links = tmp_path / "links"
    make_c_extension_sdist(
        links, "layerbuild-broken-probe", "1.0", "lbbroken", source="#include <Python.h>\nthis is not C;\n"
    )
    reqs = _requirements(tmp_path / "broken", links, "layerbuild-broken-probe==1.0")
    # A private extra index with a token in its URL, as users set it: the container must get it (pip
    # in there asks it, with the credentials) and no output may show it.
    env = {"PIP_EXTRA_INDEX_URL": authenticated_index["url"], "PIP_TRUSTED_HOST": authenticated_index["host"]}
    result = _build(reqs, tmp_path / "out", tmp_path / "cache", stand_in_image, "--backend", "container", env=env)
    assert result.code == 2, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("layerbuild: error:")]
    assert len(errors) == 1 and "Traceback" not in result.stderr
    assert "layerbuild_broken_probe-1.0" in errors[0] and stand_in_image in errors[0]
    assert "error" in errors[0].split("failed:", 1)[1].lower()  # the compiler's own error line
    assert any(agent.startswith("pip/") for agent in authenticated_index["seen"])  # pip in the container
    assert TOKEN not in result.stderr + result.stdout
    assert layerbuild_containers() == []
    assert not (tmp_path / "out" / f"broken-{STAND_IN_RUNTIME}-x86_64.zip").exists()


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_interrupted_build_removes_its_container(tmp_path, stand_in_image, sig, code):
    links = tmp_path / "links"
    # setup.py sleeps only inside the build container, so the build is caught mid-way there.
    make_pure_sdist(
        links,
        "layerbuild-slow-probe",
        "1.0",
        "lbslow",
        setup_extra="import os, time\nif os.path.exists('/layerbuild/in/job.json'): time.sleep(300)\n",
    )
    reqs = _requirements(tmp_path / "slow", links, "layerbuild-slow-probe==1.0")
    env = dict(os.environ, LAYERBUILD_CACHE_DIR=str(tmp_path / "cache"))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "layerbuild.cli",
            "build",
            str(reqs),
            "--runtime",
            STAND_IN_RUNTIME,
            "--image",
            stand_in_image,
            "--network",
            "host",
            "--backend",
            "container",
            "-o",
            str(tmp_path / "out"),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    label = f"layerbuild.pid={proc.pid}"
    try:
        deadline = time.monotonic() + 240
        while not layerbuild_containers(label):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "no build container appeared"
            time.sleep(0.5)
        time.sleep(3)  # let the container reach the build step (pip is now running setup.py)
        proc.send_signal(sig)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == code, stderr
    assert layerbuild_containers(label) == []
    assert not (tmp_path / "out" / f"slow-{STAND_IN_RUNTIME}-x86_64.zip").exists()


def test_container_backend_compiles_bytecode_with_the_images_own_python(tmp_path, docker_engine, stand_in_image):
    links = tmp_path / "links"
    make_pure_sdist(links, PURE_SDIST, "1.0", "lbpure", body="def where():\n    return __file__\n")
    make_wheel(links, WHEEL_PACKAGE, "1.0", {"lbwheel.py": "VALUE = 1\n"})
    reqs = _requirements(tmp_path / "pyc", links, f"{PURE_SDIST}==1.0", f"{WHEEL_PACKAGE}==1.0")
    result = _build(
        reqs, tmp_path / "out", tmp_path / "cache", stand_in_image, "--backend", "container", "--bytecode", "alongside"
    )
    assert result.code == 0, result.stderr
    report = json.loads((tmp_path / "out" / f"pyc-{STAND_IN_RUNTIME}-x86_64.report.json").read_text())
    image_python = (
        docker_engine.containers.run(
            stand_in_image,
            ["python3", "-c", "import platform; print(platform.python_version())"],
            remove=True,
            network_mode="none",
        )
        .decode()
        .strip()
    )
    assert {k: report["bytecode"][k] for k in ("mode", "python")} == {"mode": "alongside", "python": image_python}
    assert sorted(report["built_in_container"]) == [PURE_SDIST, WHEEL_PACKAGE]
    with zipfile.ZipFile(tmp_path / "out" / f"pyc-{STAND_IN_RUNTIME}-x86_64.zip") as zf:
        zf.extractall(tmp_path / "layer")
        assert {"python/__pycache__/lbpure.cpython-311.pyc", "python/__pycache__/lbwheel.cpython-311.pyc"} <= set(
            zf.namelist()
        )
    # The image's Python accepts these .pyc as its own: same magic number, unchecked-hash flags, and
    # code objects named after /opt/python, where Lambda mounts the layer.
    check = (
        "import importlib.util, marshal, sys\n"
        "for name in ('lbpure', 'lbwheel'):\n"
        "    data = open(f'/opt/python/__pycache__/{name}.cpython-311.pyc', 'rb').read()\n"
        "    assert data[:4] == importlib.util.MAGIC_NUMBER, name\n"
        "    assert int.from_bytes(data[4:8], 'little') == 0b01, name  # hash-based, unchecked\n"
        "    assert marshal.loads(data[16:]).co_filename == f'/opt/python/{name}.py', name\n"
        "sys.path.insert(0, '/opt/python'); import lbpure; print(lbpure.where())\n"
    )
    output = docker_engine.containers.run(
        stand_in_image,
        ["python3", "-I", "-c", check],
        remove=True,
        network_mode="none",
        volumes={str(tmp_path / "layer" / "python"): {"bind": "/opt/python", "mode": "ro"}},
    )
    assert output.decode().strip() == "/opt/python/lbpure.py"
    assert layerbuild_containers() == []
