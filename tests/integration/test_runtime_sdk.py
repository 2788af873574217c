"""A layer that replaces a dependency of the runtime's boto3/botocore with a version the SDK does not
accept is named by the build (one warning line each) and by the audit (LB403), with both versions
(issue 12, item 5). Real builds: pandas from the index, and a tiny python-dateutil 9.0.0 wheel the test
builds; the SDK table is checked against the real wheels' METADATA on the index."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from layerbuild.facts.runtime_sdk import REQUIREMENTS, RUNTIME_SDK

from ..conftest import make_wheel, python_for, run_cli

pytestmark = pytest.mark.network
needs_312 = pytest.mark.skipif(python_for("3.12") is None, reason="the import check needs a Python 3.12 here")
BOTOCORE = RUNTIME_SDK["python3.12"]["botocore"]


def _build(reqs: Path, out: Path, cache: Path) -> tuple[dict, str]:
    result = run_cli(
        "build",
        str(reqs),
        "--runtime",
        "python3.12",
        "--arch",
        "x86_64",
        "-o",
        str(out),
        env={"LAYERBUILD_CACHE_DIR": str(cache)},
    )
    assert result.code == 0, result.stderr
    return json.loads(next(out.glob("*.report.json")).read_text()), result.stderr


def _audit(zip_path: Path) -> tuple[int, list[dict]]:
    result = run_cli("audit", str(zip_path), "--runtime", "python3.12", "--arch", "x86_64", "--format", "json")
    return result.code, json.loads(result.stdout)["findings"]


def _reqs(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "proj" / "requirements.txt"
    path.parent.mkdir(parents=True)
    path.write_text(text)
    return path


def _shadow_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "shadows the runtime's" in line]


@needs_312
def test_a_pandas_layer_for_python312_is_warned_that_its_dateutil_shadows_the_runtimes_botocore(tmp_path):
    report, err = _build(_reqs(tmp_path, "pandas\n"), tmp_path / "out", tmp_path / "cache")
    dateutil = next(p["version"] for p in report["packages"] if p["name"] == "python-dateutil")
    assert Version(dateutil).major >= 3  # what pandas resolves to today (4.0.0): outside botocore's <3.0.0
    expected = (
        f"python-dateutil {dateutil} in the layer shadows the runtime's; botocore {BOTOCORE} of "
        "python3.12 requires python-dateutil<3.0.0,>=2.1"
    )
    lines = _shadow_lines(err)
    assert len(lines) == 1 and lines[0].startswith(f"layerbuild: warning: {expected}")
    code, findings = _audit(next((tmp_path / "out").glob("*.zip")))
    sdk = [f for f in findings if f["rule"] == "LB403"]
    assert [(f["message"], f["package"], f["severity"]) for f in sdk] == [(expected, "python-dateutil", "warning")]
    assert code == 0  # a warning: the audit fails on errors by default


@needs_312
def test_a_tiny_python_dateutil_9_wheel_is_named_by_build_and_audit_and_an_accepted_one_is_not(tmp_path):
    wheels = tmp_path / "wheels"
    nine = make_wheel(wheels, "python-dateutil", "9.0.0", {"dateutil/__init__.py": "__version__ = '9.0.0'\n"})
    report, err = _build(
        _reqs(tmp_path / "a", f"python-dateutil @ {nine.resolve().as_uri()}\n"),
        tmp_path / "a" / "out",
        tmp_path / "cache",
    )
    assert [(p["name"], p["version"]) for p in report["packages"]] == [("python-dateutil", "9.0.0")]
    expected = (
        f"python-dateutil 9.0.0 in the layer shadows the runtime's; botocore {BOTOCORE} of python3.12 "
        "requires python-dateutil<3.0.0,>=2.1"
    )
    assert [line.split(": pin ")[0] for line in _shadow_lines(err)] == [f"layerbuild: warning: {expected}"]
    _, findings = _audit(next((tmp_path / "a" / "out").glob("*.zip")))
    assert [f["message"] for f in findings if f["rule"] == "LB403"] == [expected]

    # The same tiny package at a version botocore accepts: no warning, no finding.
    ok = make_wheel(wheels, "python-dateutil", "2.9.1", {"dateutil/__init__.py": "__version__ = '2.9.1'\n"})
    _, err = _build(
        _reqs(tmp_path / "b", f"python-dateutil @ {ok.resolve().as_uri()}\n"),
        tmp_path / "b" / "out",
        tmp_path / "cache",
    )
    assert _shadow_lines(err) == []
    _, findings = _audit(next((tmp_path / "b" / "out").glob("*.zip")))
    assert [f for f in findings if f["rule"] == "LB403"] == []


@pytest.mark.parametrize("dist", ["boto3", "botocore", "s3transfer"])
def test_the_sdk_table_holds_what_the_real_wheels_declare(tmp_path, dist):
    version = RUNTIME_SDK["python3.12"][dist]
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "-q",
            "--no-deps",
            "--only-binary",
            ":all:",
            "-d",
            str(tmp_path),
            f"{dist}=={version}",
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    wheel = next(tmp_path.glob("*.whl"))
    with zipfile.ZipFile(wheel) as zf:
        meta = zf.read(next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))).decode()
    declared = {
        str(Requirement(line.split(":", 1)[1].strip()))
        for line in meta.splitlines()
        if line.startswith("Requires-Dist:") and "extra ==" not in line
    }
    assert declared == {str(Requirement(r)) for r in REQUIREMENTS[(dist, version)]}
