"""Reading an sdist tells native from (probably) pure Python without building it; compilers stay out of uv's way.

`native_sign` reads project root files the test writes; the `network` tests read real sdists from PyPI.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from layerbuild.install.sdist_probe import native_sign, probe
from layerbuild.model.lock import Lock, Pin
from layerbuild.model.target import Target
from layerbuild.util.no_compilers import blocked_tool, without_compilers

from ...fixtures.sdists import make_c_extension_sdist, make_pure_sdist


def _pyproject(backend: str, *requires: str) -> str:
    reqs = ", ".join(f'"{r}"' for r in requires)
    return f'[build-system]\nrequires = [{reqs}]\nbuild-backend = "{backend}"\n'


@pytest.mark.parametrize(
    "files, expected",
    [
        ({"pyproject.toml": _pyproject("scikit_build_core.build", "scikit-build-core>=0.10")}, "scikit-build-core"),
        ({"pyproject.toml": _pyproject("mesonpy", "meson-python")}, "meson-python"),
        ({"pyproject.toml": _pyproject("maturin", "maturin>=1,<2")}, "maturin"),
        ({"pyproject.toml": _pyproject("setuptools.build_meta", "setuptools", "Cython>=3")}, "cython"),
        ({"pyproject.toml": _pyproject("setuptools.build_meta", "setuptools", "numpy>=2.0")}, "numpy"),
        (
            {
                "pyproject.toml": _pyproject("setuptools.build_meta", "setuptools"),
                "setup.py": "from setuptools import setup, Extension\nsetup(ext_modules=[Extension('x', ['x.c'])])\n",
            },
            "ext_modules",
        ),
        ({"setup.py": "from setuptools import setup\nsetup(cffi_modules=['build.py:ffi'])\n"}, "cffi_modules"),
        ({"pyproject.toml": _pyproject("hatchling.build", "hatchling"), "CMakeLists.txt": None}, "CMake"),
    ],
)
def test_a_native_build_is_named_from_the_sdist_files(files, expected):
    sign = native_sign(files)
    assert sign is not None and expected in sign


@pytest.mark.parametrize(
    "files",
    [
        {"pyproject.toml": _pyproject("hatchling.build", "hatchling"), "README.md": None},
        {"pyproject.toml": _pyproject("flit_core.buildapi", "flit_core>=3.2")},
        {"setup.py": "from setuptools import setup\nsetup(name='x', py_modules=['x'], ext_modules=[])\n"},
        {"pyproject.toml": "[build-system\nnot toml", "setup.py": "from setuptools import setup\nsetup()\n"},
        {"Makefile": None, "setup.cfg": None},  # a Makefile is a developer's, not a build's
    ],
)
def test_a_pure_python_project_shows_no_native_sign(files):
    assert native_sign(files) is None


def _lock(links, *pins: Pin) -> Lock:
    return Lock(target=Target("python3.11", "x86_64"), pins=pins, index_args=("--no-index", "--find-links", str(links)))


def test_probe_reads_the_sdist_from_a_find_links_folder_and_checks_its_hash(tmp_path):
    import hashlib

    native = make_c_extension_sdist(tmp_path, "lb-native", "1.0", "lbnative")
    make_pure_sdist(tmp_path, "lb-pure", "1.0", "lbpure")
    sha = hashlib.sha256(native.read_bytes()).hexdigest()
    assert "ext_modules" in probe(Pin("lb-native", "1.0", hashes=(f"sha256:{sha}",)), _lock(tmp_path))
    assert probe(Pin("lb-pure", "1.0"), _lock(tmp_path)) is None
    # A file that is not the one the lock pinned is not read.
    assert probe(Pin("lb-native", "1.0", hashes=("sha256:" + "0" * 64,)), _lock(tmp_path)) is None


@pytest.mark.network
def test_duckdb_sdist_is_known_native_without_building_it():
    lock = Lock(target=Target("python3.11", "x86_64"), pins=())
    sign = probe(Pin("duckdb", "1.5.6"), lock)
    assert sign is not None and "scikit-build-core" in sign


@pytest.mark.network
def test_docopt_sdist_shows_no_native_sign():
    lock = Lock(target=Target("python3.11", "x86_64"), pins=())
    assert probe(Pin("docopt", "0.6.2"), lock) is None


def test_no_compiler_is_found_in_uvs_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("LAYERBUILD_CACHE_DIR", str(tmp_path / "cache"))
    env = without_compilers(dict(os.environ))
    for tool in ("cc", "gcc", "g++", "clang", "cmake", "cargo", "rustc", "gfortran"):
        found = shutil.which(tool, path=env["PATH"])
        proc = subprocess.run([found, "-c", "x.c"], env=env, capture_output=True, text=True)
        assert proc.returncode != 0 and blocked_tool(proc.stderr) == tool, (tool, proc.stderr)
    proc = subprocess.run([env["CC"], "-c", "x.c"], env=env, capture_output=True, text=True)
    assert proc.returncode != 0 and blocked_tool(proc.stderr) == "cc"
    assert without_compilers(dict(os.environ))["PATH"] == env["PATH"]  # made once, reused
