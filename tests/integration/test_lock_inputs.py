"""Layers from the locks people commit (issue 14, items 4 and 5), on real locks made by real Poetry,
Pipenv and uv (tests/data): the layer holds exactly the runtime dependencies at the locked versions, dev-only
packages are absent, every top-level module imports (x86_64); and `layerbuild lock --format pylock` writes a
pylock.toml that `uv pip install` installs, and from which layerbuild builds a byte-identical layer."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from ..conftest import python_for, run_cli

pytestmark = pytest.mark.network

DATA = Path(__file__).resolve().parents[1] / "data"
HERE = f"python3.{sys.version_info.minor}"  # the test's own interpreter imports the layer

# (test data folder, runtime, packages that only the dev/test groups bring)
PROJECTS = [
    ("poetry-orders-api", HERE, {"black", "pytest", "coverage", "click", "pathspec", "pluggy", "iniconfig"}),
    ("poetry18-thumbnailer", HERE, {"pytest", "coverage", "pluggy", "iniconfig"}),
    ("poetry-pep621-reports", HERE, {"pytest", "mypy", "openpyxl", "pluggy", "iniconfig", "mypy-extensions"}),
    ("pipenv-billing", "python3.12", {"pytest", "moto", "werkzeug", "responses", "jinja2"}),
    ("pylock-events-ingest", HERE, {"pytest", "ruff", "pluggy", "iniconfig", "pygments"}),
]


def _env(tmp: Path) -> dict[str, str]:
    cache = os.environ.get("LAYERBUILD_TEST_SHARED_CACHE") or str(tmp / "cache")
    return {"LAYERBUILD_CACHE_DIR": cache}


def _locked(source: Path, runtime: str, env: dict[str, str]) -> dict[str, str]:
    """{name: version} the lock holds for the runtime, as `layerbuild lock` reads it (never resolving)."""
    result = run_cli("-q", "lock", str(source), "--runtime", runtime, env=env)
    assert result.code == 0, result.stderr
    pins = [x for x in result.stdout.splitlines() if x and not x[0].isspace() and not x.startswith("#")]
    return {x.split("==")[0]: x.split("==")[1].split()[0] for x in pins}


def _build(source: Path, runtime: str, out: Path, env: dict[str, str]) -> tuple[Path, dict]:
    result = run_cli(
        "build", str(source), "--runtime", runtime, "--arch", "x86_64", "-o", str(out), "--name", "app", env=env
    )
    assert result.code == 0, result.stderr
    zips = list(out.glob("*.zip"))
    assert len(zips) == 1
    return zips[0], json.loads(next(out.glob("*.report.json")).read_text())


def _dists(root: Path) -> dict[str, str]:
    found = {}
    for info in root.glob("*.dist-info"):
        name, version = info.name[: -len(".dist-info")].rsplit("-", 1)
        found[name.lower().replace("_", "-").replace(".", "-")] = version
    return found


def _unzip(zip_path: Path, dest: Path) -> Path:
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(dest)
    return dest / "python"


@pytest.mark.parametrize("name,runtime,dev_only", PROJECTS, ids=[p[0] for p in PROJECTS])
def test_layer_holds_exactly_the_locked_runtime_dependencies(tmp_path, name, runtime, dev_only):
    interpreter = python_for(runtime.removeprefix("python"))
    if interpreter is None:
        pytest.skip(f"no Python {runtime} here to import the layer with")
    folder = tmp_path / name
    shutil.copytree(DATA / name, folder)
    env = _env(tmp_path)
    want = _locked(folder, runtime, env)
    zip_path, report = _build(folder, runtime, tmp_path / "out", env)
    python_dir = _unzip(zip_path, tmp_path / "layer")
    provided = {r["package"] for r in report["removed"] if r["rule"] == "runtime-provided"}
    assert provided <= want.keys()  # boto3 & co. of the Pipenv project: the runtime has them
    assert _dists(python_dir) == {n: v for n, v in want.items() if n not in provided}
    assert not dev_only & want.keys()
    modules = sorted({m for p in report["packages"] for m in p["top_level"]})
    code = "import importlib, sys\nfor m in sys.argv[1:]:\n    importlib.import_module(m)\n"
    done = subprocess.run(
        [interpreter, "-S", "-c", code, *modules],
        env={**os.environ, "PYTHONPATH": str(python_dir)},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    "name,runtime",
    [("poetry-orders-api", HERE), ("pipenv-billing", "python3.12"), ("pylock-events-ingest", "python3.13")],
)
def test_lock_format_pylock_installs_with_uv_and_builds_the_same_layer(tmp_path, name, runtime):
    interpreter = python_for(runtime.removeprefix("python"))
    if interpreter is None:
        pytest.skip(f"no Python {runtime} here for uv to install with")
    folder = tmp_path / name
    shutil.copytree(DATA / name, folder)
    env = _env(tmp_path)
    original, _ = _build(folder, runtime, tmp_path / "a", env)

    written = tmp_path / "lockdir" / "pylock.toml"
    result = run_cli("lock", str(folder), "--runtime", runtime, "--format", "pylock", "-o", str(written), env=env)
    assert result.code == 0, result.stderr
    from layerbuild.resolve.inputs.locked_lines import load_toml

    data = load_toml(written, "pylock")
    assert data["lock-version"] == "1.0" and data["created-by"] == "layerbuild"
    assert data["environments"] == [
        f"sys_platform == 'linux' and platform_machine == 'x86_64' and python_version == '{runtime[6:]}'"
    ]
    assert all(len(p["wheels"]) == 1 and p["wheels"][0]["hashes"]["sha256"] for p in data["packages"])

    uv = Path(sys.executable).with_name("uv")
    target = tmp_path / "uv-target"
    done = subprocess.run(
        [
            str(uv),
            "pip",
            "install",
            "-r",
            str(written),
            "--target",
            str(target),
            "--python",
            interpreter,
            "--preview-features",
            "pylock",
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert _dists(target) == {p["name"]: p["version"] for p in data["packages"]}

    rebuilt, _ = _build(written, runtime, tmp_path / "b", env)
    assert hashlib.sha256(rebuilt.read_bytes()).hexdigest() == hashlib.sha256(original.read_bytes()).hexdigest()
