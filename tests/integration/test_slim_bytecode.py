"""Slimming and bytecode on real packages from the index (issue 3's promises)."""

from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path

import pytest

from layerbuild.util.interpreters import SEARCH_PATH_ENV

from ..conftest import python_for, run_cli

pytestmark = pytest.mark.network

MEDIUM = "requests\npydantic\nnumpy\npandas\n"
SMALL = "requests\npydantic\n"
needs_311 = pytest.mark.skipif(python_for("3.11") is None, reason="the import checks need a Python 3.11 here")


def _reqs(tmp_path: Path, text: str, name: str = "proj") -> Path:
    path = tmp_path / name / "requirements.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _build(reqs: Path, out: Path, cache: Path, *args: str, env: dict | None = None) -> dict:
    result = run_cli(
        "build",
        str(reqs),
        "--runtime",
        "python3.11",
        "--arch",
        "x86_64",
        "-o",
        str(out),
        *args,
        env={"LAYERBUILD_CACHE_DIR": str(cache), **(env or {})},
    )
    assert result.code == 0, result.stderr
    report = json.loads(next(out.glob("*.report.json")).read_text())
    report["stderr"] = result.stderr
    return report


@needs_311
def test_safe_slim_cuts_the_medium_set_by_15_percent_and_every_import_still_passes(tmp_path):
    reqs = _reqs(tmp_path, MEDIUM)
    full = _build(reqs, tmp_path / "none", tmp_path / "c1", "--slim", "none", "--bytecode", "none")
    safe = _build(reqs, tmp_path / "safe", tmp_path / "c2", "--slim", "safe", "--bytecode", "none")
    ratio = safe["layer"]["unzipped_bytes"] / full["layer"]["unzipped_bytes"]
    assert ratio <= 0.85, f"safe is {ratio:.3f} of none"
    verified = safe["imports_verified"]
    assert verified["failures"] == [] and verified["skipped"] is None
    dists = len(safe["packages"])
    assert verified["modules"] >= dists  # every top-level module of every distribution
    assert {r["rule"] for r in safe["removed"]} >= {"tests", "type-stubs"}
    # numpy.testing needs one file of numpy/_core/tests (a known breaker): the slim layer still has it.
    layer = tmp_path / "unzipped"
    with zipfile.ZipFile(next((tmp_path / "safe").glob("*.zip"))) as zf:
        zf.extractall(layer)
        assert "python/numpy/_core/tests/_natype.py" in zf.namelist()
        assert not [n for n in zf.namelist() if n.startswith("python/pandas/tests/")]
        assert len([n for n in zf.namelist() if n.endswith(".dist-info/RECORD")]) == dists  # none deleted
    proc = subprocess.run(
        [
            python_for("3.11"),
            "-I",
            "-S",
            "-B",
            "-c",
            f"import sys; sys.path.insert(0, {str(layer / 'python')!r}); "
            "import numpy.testing, pandas._testing, importlib.metadata as m; "
            "gone = [f for d in ('numpy', 'pandas') for f in m.files(d) "
            "        if not str(f).startswith('..') and not f.locate().exists()]; "
            "print(m.version('pandas'), len(gone))",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    version, gone = proc.stdout.split()
    assert version == next(p["version"] for p in safe["packages"] if p["name"] == "pandas")
    assert gone == "0"  # RECORD lists no removed file: importlib.metadata.files() stays true


@needs_311
def test_two_builds_with_empty_caches_give_the_same_zip_with_bytecode(tmp_path):
    reqs = _reqs(tmp_path, SMALL)
    first = _build(reqs, tmp_path / "a", tmp_path / "ca", "--bytecode", "alongside")
    second = _build(reqs, tmp_path / "b", tmp_path / "cb", "--bytecode", "alongside")
    assert first["layer"]["sha256"] == second["layer"]["sha256"]
    assert first["bytecode"]["mode"] == "alongside" and first["bytecode"]["python"].startswith("3.11.")
    names = zipfile.ZipFile(next((tmp_path / "a").glob("*.zip"))).namelist()
    pycs = [n for n in names if n.endswith(".pyc")]
    assert pycs and all(".cpython-311.pyc" in n for n in pycs)
    assert "python/pydantic/__pycache__/main.cpython-311.pyc" in pycs


def test_a_layer_for_a_runtime_whose_interpreter_is_absent_contains_no_pyc(tmp_path):
    empty = tmp_path / "no-pythons"
    empty.mkdir()
    reqs = _reqs(tmp_path, SMALL)
    result = run_cli(
        "build",
        str(reqs),
        "--runtime",
        "python3.12",
        "-o",
        str(tmp_path / "out"),
        env={"LAYERBUILD_CACHE_DIR": str(tmp_path / "c"), SEARCH_PATH_ENV: str(empty)},
    )
    assert result.code == 0, result.stderr
    names = zipfile.ZipFile(tmp_path / "out" / "proj-python3.12-x86_64.zip").namelist()
    assert "python/pydantic/main.py" in names
    assert not [n for n in names if n.endswith((".pyc", ".pyo"))]
    notice = [line for line in result.stderr.splitlines() if "interpreter found" in line]
    assert len(notice) == 1 and "cold start" in notice[0]


@needs_311
def test_a_drop_rule_removing_a_file_requests_needs_fails_the_build_and_names_the_rule(tmp_path):
    reqs = _reqs(tmp_path, SMALL)
    result = run_cli(
        "build",
        str(reqs),
        "--runtime",
        "python3.11",
        "-o",
        str(tmp_path / "out"),
        "--drop",
        "requests:requests/utils.py",
        env={"LAYERBUILD_CACHE_DIR": str(tmp_path / "c")},
    )
    assert result.code == 1
    error = result.stderr.strip().splitlines()[-1]
    assert "requests (requests) fails: ImportError: cannot import name 'utils'" in error
    assert "removed by 'drop requests:requests/utils.py' (requests/utils.py)" in error
    assert not (tmp_path / "out" / "proj-python3.11-x86_64.zip").exists()


@needs_311
def test_aggressive_keeps_every_import_working_and_every_dist_info(tmp_path):
    reqs = _reqs(tmp_path, SMALL)
    safe = _build(reqs, tmp_path / "safe", tmp_path / "c", "--slim", "safe", "--bytecode", "none")
    aggressive = _build(reqs, tmp_path / "aggr", tmp_path / "c", "--slim", "aggressive", "--bytecode", "none")
    assert aggressive["imports_verified"]["failures"] == []
    assert aggressive["layer"]["unzipped_bytes"] <= safe["layer"]["unzipped_bytes"]
    names = zipfile.ZipFile(next((tmp_path / "aggr").glob("*.zip"))).namelist()
    infos = {n.split("/")[1] for n in names if ".dist-info/" in n}
    assert len(infos) == len(aggressive["packages"])
    assert "removed:" in aggressive["stderr"] or aggressive["removed"]
