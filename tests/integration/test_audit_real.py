"""`layerbuild audit` on layers built from real packages of the index."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from layerbuild.measure.elf import read_elf
from layerbuild.measure.inventory import inventory_of_zip

from ..conftest import run_cli

pytestmark = pytest.mark.network

# boto3 is in every Lambda Python runtime; simplejson's wheels ship its test suite (simplejson/tests/).
REQUIREMENTS = "boto3\nsimplejson==3.19.3\n"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("bloat")
    (root / "requirements.txt").write_text(REQUIREMENTS)
    return {"root": root, "cache": tmp_path_factory.mktemp("cache")}


def _build(project, out: str, *args: str) -> Path:
    r = run_cli(
        "build",
        str(project["root"] / "requirements.txt"),
        "--runtime",
        "python3.11",
        "--arch",
        "x86_64",
        "-o",
        str(project["root"] / out),
        "--name",
        "bloat",
        *args,
        env={"LAYERBUILD_CACHE_DIR": str(project["cache"])},
    )
    assert r.code == 0, r.stderr
    return project["root"] / out / "bloat-python3.11-x86_64.zip"


def test_a_layer_with_boto3_and_tests_folders_fails_and_the_slimmed_one_passes(project):
    bloated = _build(project, "bloated", "--keep-runtime-packages", "--slim", "none")
    names = {d.name for d in inventory_of_zip(bloated).distributions}
    assert {"boto3", "botocore", "simplejson"} <= names
    r = run_cli("audit", str(bloated), "--format", "json")
    assert r.code == 1, r.stderr
    findings = json.loads(r.stdout)["findings"]
    provided = {f["package"] for f in findings if f["rule"] == "LB201"}
    assert {"boto3", "botocore", "s3transfer", "jmespath"} <= provided
    tests = [f for f in findings if f["rule"] == "LB202"]
    assert any(f["package"] == "simplejson" and "simplejson/tests/" in f["message"] for f in tests)
    assert "LB201 runtime-provided" in r.stderr

    slim = _build(project, "slim")  # the defaults: runtime-provided packages dropped, --slim safe
    r = run_cli("audit", str(slim))
    assert r.code == 0, r.stdout + r.stderr
    assert "LB201" not in r.stdout and "LB202" not in r.stdout  # safe slimming removed the tests too


def test_a_requirements_file_is_built_then_audited(project):
    r = run_cli(
        "audit",
        str(project["root"] / "requirements.txt"),
        "--runtime",
        "python3.11",
        "--format",
        "json",
        env={"LAYERBUILD_CACHE_DIR": str(project["cache"])},
    )
    assert r.code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["audit"]["kind"] == "requirements"
    assert data["target"]["runtime"] == "python3.11" and "command line" in data["target"]["source"]
    assert "simplejson" in {p["name"] for p in data["packages"]}
    assert "boto3" not in {p["name"] for p in data["packages"]}


def test_an_aarch64_so_from_a_real_arm64_wheel_in_an_x86_64_layer_is_reported(tmp_path):
    (tmp_path / "requirements.txt").write_text("markupsafe==3.0.2\n")
    r = run_cli(
        "build",
        str(tmp_path / "requirements.txt"),
        "--runtime",
        "python3.12",
        "--arch",
        "arm64",
        "-o",
        str(tmp_path / "out"),
        "--name",
        "ms",
        env={"LAYERBUILD_CACHE_DIR": str(tmp_path / "cache")},
    )
    assert r.code == 0, r.stderr
    arm = tmp_path / "out" / "ms-python3.12-arm64.zip"
    so = [n for n in (f.path for f in inventory_of_zip(arm).files) if n.endswith(".so")]
    assert so
    import zipfile

    with zipfile.ZipFile(arm) as zf:
        assert read_elf(zf.read(so[0])).machine == "aarch64"  # a real aarch64 ELF from PyPI's wheel
    # Shipped as if it were the x86_64 layer (the mix-up this check exists for):
    mislabeled = tmp_path / "ms-python3.12-x86_64.zip"
    shutil.copyfile(arm, mislabeled)
    r = run_cli("audit", str(mislabeled), "--format", "json")
    assert r.code == 1
    wrong = [f for f in json.loads(r.stdout)["findings"] if f["rule"] == "LB301"]
    assert {f["file"] for f in wrong} == set(so)
    assert all(f["package"] == "markupsafe" and "built for aarch64" in f["message"] for f in wrong)
    assert run_cli("audit", str(arm)).code == 0  # for arm64 it is right
