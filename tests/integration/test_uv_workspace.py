"""A uv workspace built per function (issue 14, item 3): `layerbuild build WORKSPACE --package fn-a` holds
exactly fn-a's runtime dependencies at the lock's versions plus the shared library member, nothing only
fn-b needs, nothing of the dev groups, and every top-level module imports; reading the lock never asks an
index. The workspace (tests/data/uv-workspace) is real and locked by the real `uv lock`; the expected
packages are uv's own reading of that lock (`uv export --frozen`), filtered for the target."""

from __future__ import annotations

import json
import os
import subprocess
import time
import zipfile
from pathlib import Path

import pytest

from layerbuild.util.interpreters import find_interpreter

from ..conftest import run_cli
from ..unit.resolve.inputs.uv_helpers import ALBATROSS, FORK, WORKSPACE, copy_project, selected, uv_export

pytestmark = pytest.mark.network


def _expected(root: Path, *export_args: str, python: str = "3.12", machine: str = "x86_64") -> dict[str, str]:
    """{name: version} uv exports for the target; a workspace member by its pyproject's version."""
    from layerbuild.resolve.inputs.uv_lock import toml_file

    out = {}
    for (name, version), _ in selected(uv_export(root, *export_args), root, python, machine).items():
        if name == "local":
            project = toml_file(Path(version) / "pyproject.toml")["project"]
            out[project["name"]] = project["version"]
        else:
            out[name] = version
    return out


def test_a_function_layer_holds_its_locked_dependencies_and_shared_only_and_everything_imports(tmp_path):
    root = copy_project(WORKSPACE, tmp_path / "ws")
    env = {"LAYERBUILD_CACHE_DIR": str(tmp_path / "cache")}
    args = ["build", str(root), "--package", "fn-a", "--runtime", "python3.12", "--arch", "x86_64"]
    built = run_cli(*args, "-o", str(tmp_path / "out"), env=env)
    assert built.code == 0, built.stderr
    assert "uv.lock" in built.stderr  # says which file it used
    (report_file,) = (tmp_path / "out").glob("*.report.json")
    report = json.loads(report_file.read_text())
    assert report["source"]["kind"] == "uv.lock"
    packages = {p["name"]: p["version"] for p in report["packages"]}
    expected = _expected(root, "--package", "fn-a", "--no-emit-project")
    assert packages == expected
    assert packages["shared"] == "0.3.0"
    only_b = set(_expected(root, "--package", "fn-b")) - set(_expected(root, "--package", "fn-a"))
    dev = set(_expected(root, "--only-group", "dev"))
    assert "pyyaml" in only_b and not only_b & set(packages)
    assert "pytest" in dev and not dev & set(packages)
    assert "click" not in packages and "fn-a" not in packages

    # Every top-level module imports in a clean Python 3.12 with only the layer on its path (as on Lambda).
    assert report["imports_verified"]["failures"] == [] and report["imports_verified"]["modules"] > 0
    layer = tmp_path / "layer"
    zipfile.ZipFile(report["layer"]["path"]).extractall(layer)
    python = find_interpreter("3.12")
    assert python is not None
    tops = sorted({t for p in report["packages"] for t in p["top_level"]})
    assert {"requests", "shared", "attrs"} <= set(tops)
    for top in tops:
        proc = subprocess.run(
            [str(python), "-S", "-c", f"import {top}"],
            env={"PYTHONPATH": str(layer / "python")},
            capture_output=True,
            text=True,
        )
        assert proc.returncode == 0, (top, proc.stderr)

    again = run_cli(*args, "-o", str(tmp_path / "out"), env=env)
    assert again.code == 0 and json.loads(report_file.read_text())["cached"] is True


def test_reading_a_uv_lock_never_calls_the_index(tmp_path):
    """Benchmark line: `lock` from the workspace's uv.lock with empty caches, uv offline and the index
    unreachable still writes the lock, at the lock's versions."""
    root = copy_project(WORKSPACE, tmp_path / "ws")
    env = {
        "LAYERBUILD_CACHE_DIR": str(tmp_path / "cache"),
        "UV_CACHE_DIR": str(tmp_path / "uv-cache"),  # empty: nothing to answer from
        "UV_OFFLINE": "1",
        "UV_INDEX_URL": "http://127.0.0.1:9/simple",  # nothing listens there
        "PIP_INDEX_URL": "http://127.0.0.1:9/simple",
    }
    started = time.perf_counter()
    done = run_cli(
        "lock", str(root), "--package", "fn-a", "--runtime", "python3.12", "-o", str(tmp_path / "l.txt"), env=env
    )
    seconds = time.perf_counter() - started
    assert done.code == 0, done.stderr
    text = (tmp_path / "l.txt").read_text()
    for name, version in _expected(root, "--package", "fn-a", "--no-emit-project").items():
        assert (f"{name}=={version}" in text) or (name == "shared" and "shared @ file://" in text)
    assert not os.path.exists(tmp_path / "uv-cache") or not any((tmp_path / "uv-cache").rglob("*.whl"))
    print(f"uv.lock -> layerbuild lock, index unreachable: {seconds:.2f} s")  # noqa: T201 - the benchmark line


def test_a_forking_lock_on_amazon_linux_2_arm64_gets_its_pythons_branch(tmp_path):
    root = copy_project(FORK, tmp_path / "fork")
    env = {"LAYERBUILD_CACHE_DIR": str(tmp_path / "cache")}
    for runtime, python in (("python3.11", "3.11"), ("python3.13", "3.13")):
        out = tmp_path / f"{runtime}.txt"
        done = run_cli("lock", str(root), "--runtime", runtime, "--arch", "arm64", "-o", str(out), env=env)
        assert done.code == 0, done.stderr
        expected = _expected(root, "--no-emit-project", python=python, machine="aarch64")
        assert f"numpy=={expected['numpy']}" in out.read_text()
        assert "pytest" not in out.read_text()


def test_uvs_own_example_workspace_member_chain_builds_for_python313(tmp_path):
    """albatross -> bird-feeder -> seeds: both library members go into albatross's layer, built from the
    workspace; the versions are the lock's; everything imports under Python 3.13."""
    root = copy_project(ALBATROSS, tmp_path / "ws")
    env = {"LAYERBUILD_CACHE_DIR": str(tmp_path / "cache")}
    built = run_cli(
        "build", str(root), "--package", "albatross", "--runtime", "python3.13", "-o", str(tmp_path / "out"), env=env
    )
    assert built.code == 0, built.stderr
    (report_file,) = (tmp_path / "out").glob("*.report.json")
    report = json.loads(report_file.read_text())
    packages = {p["name"]: p["version"] for p in report["packages"]}
    assert packages == _expected(root, "--package", "albatross", "--no-emit-project", python="3.13")
    assert {"bird-feeder", "seeds"} <= set(packages) and packages["idna"] == "3.6"
    assert report["imports_verified"]["python"].startswith("3.13")
    assert report["imports_verified"]["failures"] == [] and report["imports_verified"]["modules"] >= 5
