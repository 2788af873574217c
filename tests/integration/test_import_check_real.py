"""The build's checks agree with Lambda and with `layerbuild audit` on the real packages of issue 12.

psycopg[binary] (psycopg_binary refuses to be imported before psycopg), opencv-python (its Qt
libraries need libGL/libxcb, which Lambda lacks), numpy (numpy.testing imports a file of
numpy/_core/tests) and pyqldb 3.2.2 + amazon-ion 0.15.0 (ionhash imports `_IonNature`, gone from
amazon-ion). Tiny packages that behave the same way: tests/unit/test_import_check_agrees.py.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest

from ..conftest import python_for, run_cli

pytestmark = pytest.mark.network


def _build(tmp_path: Path, requirements: str, runtime: str, *args: str):
    if python_for(runtime.removeprefix("python")) is None:
        pytest.skip(f"no {runtime} interpreter here: the import check cannot run")
    reqs = tmp_path / "proj" / "requirements.txt"
    reqs.parent.mkdir(exist_ok=True)
    reqs.write_text(requirements)
    result = run_cli(
        "build",
        str(reqs),
        "--runtime",
        runtime,
        "--arch",
        "x86_64",
        "-o",
        str(tmp_path / "out"),
        *args,
        env={"LAYERBUILD_CACHE_DIR": str(tmp_path / "cache")},
    )
    return result, tmp_path / "out" / f"proj-{runtime}-x86_64"


def test_psycopg_binary_layer_passes_the_import_check(tmp_path):
    result, stem = _build(tmp_path, "psycopg[binary]\n", "python3.11")
    assert result.code == 0, result.stderr
    report = json.loads(Path(f"{stem}.report.json").read_text())
    assert {"psycopg", "psycopg-binary"} <= {p["name"] for p in report["packages"]}
    verified = report["imports_verified"]
    assert verified["failures"] == [] and verified["imported_after"] == {"psycopg_binary": "psycopg"}


def test_opencv_python_fails_the_build_with_the_headless_hint_and_the_audit_flags_the_same(tmp_path):
    failed, stem = _build(tmp_path, "opencv-python\n", "python3.12")
    assert failed.code == 1
    line = failed.stderr.strip().splitlines()[-1]
    assert line.startswith("layerbuild: error: native check failed:")
    assert "use opencv-python-headless instead of opencv-python" in line and "libGL.so.1" in line
    count = int(re.search(r"native check failed: (\d+) file", line).group(1))
    listed = set(re.findall(r"LB303 error: (\S+) needs", failed.stderr))
    assert not Path(f"{stem}.zip").exists()

    built, stem = _build(tmp_path, "opencv-python\n", "python3.12", "--no-verify")
    assert built.code == 0, built.stderr
    audit = run_cli("audit", str(Path(f"{stem}.zip")), "--format", "json")
    assert audit.code == 1
    errors = [f for f in json.loads(audit.stdout)["findings"] if f["severity"] == "error"]
    assert {f["rule"] for f in errors} == {"LB303"} and len(errors) == count  # the same files, the same verdict
    assert listed and listed <= {f["file"] for f in errors}
    assert all("opencv-python-headless" in f["message"] for f in errors if f["package"] == "opencv-python")


def test_opencv_python_headless_passes_build_and_audit(tmp_path):
    built, stem = _build(tmp_path, "opencv-python-headless\n", "python3.12")
    assert built.code == 0, built.stderr
    audit = run_cli("audit", str(Path(f"{stem}.zip")), "--format", "json")
    assert [f for f in json.loads(audit.stdout)["findings"] if f["severity"] == "error"] == []


def test_the_audit_does_not_report_the_numpy_test_files_the_build_keeps(tmp_path):
    built, stem = _build(tmp_path, "numpy\n", "python3.12")
    assert built.code == 0, built.stderr
    names = zipfile.ZipFile(Path(f"{stem}.zip")).namelist()
    assert "python/numpy/_core/tests/_natype.py" in names  # numpy.testing imports it
    audit = run_cli("audit", str(Path(f"{stem}.zip")), "--format", "json")
    assert audit.code == 0, audit.stdout
    assert [f for f in json.loads(audit.stdout)["findings"] if f["rule"] == "LB202"] == []


def test_pyqldb_with_amazon_ion_0_15_names_the_clash_and_a_constraint(tmp_path):
    failed, stem = _build(tmp_path, "pyqldb==3.2.2\namazon-ion==0.15.0\n", "python3.11")
    assert failed.code == 1
    line = failed.stderr.strip().splitlines()[-1]
    assert (
        "version clash: ionhash 1.2.1 cannot import '_IonNature' from amazon.ion.simple_types of amazon-ion 0.15.0"
        in line
    )
    assert "try `amazon-ion<0.15.0`" in line and "--no-verify" not in line
    assert not Path(f"{stem}.zip").exists()
