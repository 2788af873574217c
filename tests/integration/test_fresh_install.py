"""First contact: what the README documents works after the README's install, without the test extra.

A fresh virtual environment gets layerbuild installed from a copy of this source tree (as
`pip install layerbuild` would install it: not editable, no extras), with uv for speed. The commands then
run from that environment's own `layerbuild` script: `publish` against the moto server over HTTP on
127.0.0.1, and the container backend with no Docker engine, which must blame the engine, not a missing
package.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT, make_wheel

pytestmark = [pytest.mark.network, pytest.mark.aws]


def _uv() -> str:
    uv = Path(sys.executable).parent / "uv"
    return str(uv) if uv.is_file() else (shutil.which("uv") or pytest.skip("no uv binary next to the test Python"))


@pytest.fixture(scope="module")
def fresh_venv(tmp_path_factory) -> Path:
    """A venv holding layerbuild and only its declared dependencies (no pytest, no moto)."""
    base = tmp_path_factory.mktemp("fresh-install")
    src = base / "src"
    src.mkdir()
    # A copy, so the build writes its egg-info and build/ folders there, not into the working tree.
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    shutil.copytree(ROOT / "layerbuild", src / "layerbuild", ignore=shutil.ignore_patterns("__pycache__"))
    venv = base / "venv"
    subprocess.run([_uv(), "venv", "-q", "--python", sys.executable, str(venv)], check=True, timeout=120)
    subprocess.run(
        [_uv(), "pip", "install", "-q", "--python", str(venv / "bin" / "python"), str(src)],
        check=True,
        timeout=600,
        capture_output=True,
        text=True,
    )
    return venv


def _run(venv: Path, *args: str, env: dict | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    full.update(env or {})
    return subprocess.run(args, capture_output=True, text=True, env=full, cwd=cwd or venv, timeout=300)


def test_the_fresh_install_has_no_test_extra_and_the_cli_does_not_import_boto3_or_docker_at_start(fresh_venv):
    python = str(fresh_venv / "bin" / "python")
    assert _run(fresh_venv, python, "-c", "import moto").returncode != 0  # only the declared dependencies
    assert _run(fresh_venv, python, "-c", "import boto3, docker").returncode == 0
    timing = _run(fresh_venv, python, "-X", "importtime", "-c", "import layerbuild.cli")
    assert timing.returncode == 0, timing.stderr
    imported = {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in timing.stderr.splitlines()}
    assert "layerbuild" in imported and not imported & {"boto3", "botocore", "docker"}


def test_publish_works_after_the_readme_install(fresh_venv, aws_env, tmp_path):
    zip_path = tmp_path / "api-python3.12-x86_64.zip"
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("python/api_helpers.py", "VALUE = 1\n")
    layerbuild = str(fresh_venv / "bin" / "layerbuild")
    dry = _run(fresh_venv, layerbuild, "publish", str(zip_path), "--region", "eu-west-1", "--dry-run", env=aws_env)
    assert dry.returncode == 0, dry.stderr
    assert "eu-west-1" in dry.stdout and "api" in dry.stdout
    done = _run(
        fresh_venv, layerbuild, "publish", str(zip_path), "--region", "eu-west-1", "--format", "json", env=aws_env
    )
    assert done.returncode == 0, done.stderr

    import boto3

    listed = boto3.client("lambda", region_name="eu-west-1").list_layer_versions(LayerName="api")["LayerVersions"]
    assert [v["Version"] for v in listed] == [1]


def test_python_dash_m_layerbuild_in_the_fresh_install_is_the_cli(fresh_venv):
    python = str(fresh_venv / "bin" / "python")
    version = _run(fresh_venv, python, "-m", "layerbuild", "--version")
    assert version.returncode == 0, version.stderr
    assert version.stdout.startswith("layerbuild, version ")


def test_the_container_backend_without_an_engine_blames_the_engine_not_a_missing_package(fresh_venv, tmp_path):
    wheels = tmp_path / "wheels"
    make_wheel(wheels, "tinypkg", "1.0", {"tinypkg/__init__.py": "X = 1\n"})
    reqs = tmp_path / "proj" / "requirements.txt"
    reqs.parent.mkdir()
    reqs.write_text(f"--no-index\n--find-links {wheels}\ntinypkg==1.0\n")
    env = {"DOCKER_HOST": f"unix://{tmp_path / 'no-docker.sock'}", "LAYERBUILD_CACHE_DIR": str(tmp_path / "cache")}
    result = _run(
        fresh_venv,
        str(fresh_venv / "bin" / "layerbuild"),
        "-q",
        "build",
        str(reqs),
        "--backend",
        "container",
        "-o",
        str(tmp_path / "out"),
        env=env,
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "engine" in result.stderr.lower() and "not installed" not in result.stderr
