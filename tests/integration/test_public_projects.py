"""Layers from locks that real public projects committed (issue 14: "tests on real, public projects of each
kind"), copied into tests/data/public-* with source and licence in each README: a Poetry project (aiofile),
a Pipenv project (Paketo's Pipenv sample) and a PEP 751 pylock.toml exported by uv from a real uv project
(aiormq). For each: the layer holds exactly the runtime dependencies at the locked versions — the
expectation read straight from the lock's own runtime section, not by walking its graph the way layerbuild
does — dev-only packages are absent, and every top-level module imports with the target's Python from the
layer alone."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from packaging.markers import Marker

from layerbuild.resolve.inputs.locked_lines import load_toml

from ..conftest import python_for, run_cli

pytestmark = pytest.mark.network

DATA = Path(__file__).resolve().parents[1] / "data"
# What the Lambda Python runtime provides (a layer leaves them out); none of these projects needs them, but
# a lock that lists them must not expect them in the layer.
RUNTIME_PROVIDED = {"boto3", "botocore", "s3transfer", "jmespath"}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _holds(marker: str | None, python: str) -> bool:
    """Does an environment marker hold on Lambda's Linux x86_64 with this Python (packaging evaluates it)?"""
    if not marker:
        return True
    env = {
        "python_version": python,
        "python_full_version": f"{python}.0",
        "sys_platform": "linux",
        "platform_system": "Linux",
        "platform_machine": "x86_64",
        "os_name": "posix",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
    }
    return Marker(marker).evaluate(env)


def _poetry(folder: Path, python: str) -> tuple[dict[str, str], set[str]]:
    """The runtime set of a Poetry 1.x lock without categories: the pyproject's main dependencies, each of
    which the lock shows has no dependencies of its own (so the set is closed without any graph walk)."""
    pyproject = load_toml(folder / "pyproject.toml", "pyproject")
    lock = {_norm(p["name"]): p for p in load_toml(folder / "poetry.lock", "poetry.lock")["package"]}
    main = {_norm(n) for n in pyproject["tool"]["poetry"]["dependencies"] if n != "python"}
    for name in main:
        assert not lock[name].get("dependencies"), f"{name} has dependencies: this expectation needs a walk"
    dev = {_norm(n) for n in pyproject["tool"]["poetry"]["group"]["dev"]["dependencies"]}
    assert dev <= lock.keys()  # the dev group is really in the lock
    return {n: lock[n]["version"] for n in main}, set(lock) - main


def _pipenv(folder: Path, python: str) -> tuple[dict[str, str], set[str]]:
    """The lock's `default` section (markers evaluated for the target); dev-only: `develop` minus `default`."""
    lock = json.loads((folder / "Pipfile.lock").read_text())
    default = {_norm(n): e for n, e in lock["default"].items()}
    want = {n: e["version"].removeprefix("==") for n, e in default.items() if _holds(e.get("markers"), python)}
    return want, {_norm(n) for n in lock["develop"]} - default.keys()


def _pylock(folder: Path, python: str) -> tuple[dict[str, str], set[str]]:
    """pylock.toml's packages whose marker holds; dev-only: what the all-groups export adds."""
    packages = load_toml(folder / "pylock.toml", "pylock")["packages"]
    dev = load_toml(folder / "pylock.dev.toml", "pylock")["packages"]
    want = {_norm(p["name"]): p["version"] for p in packages if _holds(p.get("marker"), python)}
    return want, {_norm(p["name"]) for p in dev} - {_norm(p["name"]) for p in packages}


# (test data folder, what to build inside it, runtime, the lock's own runtime set and dev-only names)
PROJECTS = [
    ("public-poetry-aiofile", ".", "python3.12", _poetry),
    # python3.11: the lock pins markupsafe 2.1.2, which has no cp312 wheel (see the folder's README)
    ("public-pipenv-paketo-sample", ".", "python3.11", _pipenv),
    # the folder also holds the uv.lock it was exported from (a folder would pick that), so name the file
    ("public-pylock-aiormq", "pylock.toml", "python3.12", _pylock),
]


def _dists(root: Path) -> dict[str, str]:
    found = {}
    for info in root.glob("*.dist-info"):
        name, version = info.name[: -len(".dist-info")].rsplit("-", 1)
        found[_norm(name)] = version
    return found


@pytest.mark.parametrize("name,source,runtime,expect", PROJECTS, ids=[p[0] for p in PROJECTS])
def test_public_project_layer_holds_exactly_its_locked_runtime_dependencies(tmp_path, name, source, runtime, expect):
    python = runtime.removeprefix("python")
    interpreter = python_for(python)
    if interpreter is None:
        pytest.skip(f"no Python {python} here to import the layer with")
    folder = tmp_path / name
    shutil.copytree(DATA / name, folder)
    want, dev_only = expect(folder, python)
    want = {n: v for n, v in want.items() if n not in RUNTIME_PROVIDED}
    assert want and dev_only

    cache = os.environ.get("LAYERBUILD_TEST_SHARED_CACHE") or str(tmp_path / "cache")
    out = tmp_path / "out"
    result = run_cli(
        "build",
        str(folder / source),
        "--runtime",
        runtime,
        "--arch",
        "x86_64",
        "--bytecode",
        "none",
        "-o",
        str(out),
        "--name",
        "app",
        env={"LAYERBUILD_CACHE_DIR": cache},
    )
    assert result.code == 0, result.stderr
    (zip_path,) = out.glob("*.zip")
    report = json.loads(next(out.glob("*.report.json")).read_text())
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(tmp_path / "layer")
    layer = _dists(tmp_path / "layer" / "python")

    assert layer == want
    assert not dev_only & layer.keys()

    modules = sorted({m for p in report["packages"] for m in p["top_level"]})
    assert modules
    code = "import importlib, sys\nfor m in sys.argv[1:]:\n    importlib.import_module(m)\n"
    done = subprocess.run(
        [interpreter, "-S", "-c", code, *modules],
        env={**os.environ, "PYTHONPATH": str(tmp_path / "layer" / "python")},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("backend", ["wheels", "auto"])
def test_a_public_pipfile_lock_whose_pin_has_no_wheel_for_python312_is_built_from_its_sdist_or_one_line(
    tmp_path, backend
):
    """Paketo's Pipfile.lock pins markupsafe 2.1.2, which has no wheel for Python 3.12 (the lock holds its sdist).
    `--backend wheels`: one line naming the locked version, not uv's raw message. `auto`: the locked sdist goes to
    the build container (never another version); with no engine answering, one line says so."""
    project = tmp_path / "app"
    shutil.copytree(DATA / "public-pipenv-paketo-sample", project)
    out = tmp_path / "out"
    env = {"LAYERBUILD_CACHE_DIR": str(tmp_path / "cache"), "DOCKER_HOST": f"unix://{tmp_path}/no-engine.sock"}
    result = run_cli("build", str(project), "--runtime", "python3.12", "--backend", backend, "-o", str(out), env=env)
    assert result.code == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("layerbuild: error")]
    assert len(errors) == 1, result.stderr
    if backend == "wheels":
        assert "markupsafe==2.1.2 is locked without a wheel for python3.12" in errors[0]
    else:
        assert "markupsafe 2.1.2 has no wheel for python3.12" in errors[0]
        assert "must be compiled in a Lambda build image" in errors[0] and "no Docker engine answers" in errors[0]
    assert "Traceback" not in result.stderr and not list(out.glob("*.zip"))
