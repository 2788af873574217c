"""The import smoke test in real builds (tiny wheels built here, a local index, no network)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from layerbuild.util.interpreters import SEARCH_PATH_ENV, find_interpreter

from ..conftest import make_wheel, run_cli

needs_311 = pytest.mark.skipif(find_interpreter("3.11") is None, reason="the smoke test needs a Python 3.11 here")


def project(tmp_path: Path, wheels: list[tuple[str, dict, list[str]]], top: list[str]) -> Path:
    folder = tmp_path / "wheels"
    for name, files, requires in wheels:
        make_wheel(folder, name, "1.0", files, requires=requires)
    reqs = tmp_path / "proj" / "requirements.txt"
    reqs.parent.mkdir(exist_ok=True)
    reqs.write_text(f"--no-index\n--find-links {folder}\n" + "".join(f"{t}\n" for t in top))
    return reqs


PKGA = (
    "pkga",
    {
        "pkga/__init__.py": "from . import helper\nVALUE = helper.X\n",
        "pkga/helper.py": "X = 1\n",
        "pkga/tests/test_pkga.py": "def test():\n    pass\n",
    },
    [],
)


def build(reqs: Path, out: Path, *args: str, env: dict | None = None):
    return run_cli("build", str(reqs), "--runtime", "python3.11", "-o", str(out), *args, env=env)


@needs_311
def test_a_drop_rule_that_removes_a_file_a_package_needs_fails_the_build_and_names_the_rule(tmp_path, cache_dir):
    reqs = project(tmp_path, [PKGA], ["pkga"])
    result = build(reqs, tmp_path / "out", "--drop", "pkga:pkga/helper.py")
    assert result.code == 1, result.stderr
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith("layerbuild: error: import smoke test failed for 1 module(s): pkga (pkga)")
    assert "removed by 'drop pkga:pkga/helper.py' (pkga/helper.py)" in line
    assert "--no-verify" in line and "Traceback" not in result.stderr
    assert not list((tmp_path / "out").glob("*.zip"))  # a failed check leaves no layer behind


@needs_311
def test_no_verify_lets_the_same_layer_through(tmp_path, cache_dir):
    reqs = project(tmp_path, [PKGA], ["pkga"])
    result = build(reqs, tmp_path / "out", "--drop", "pkga:pkga/helper.py", "--no-verify")
    assert result.code == 0, result.stderr
    names = zipfile.ZipFile(tmp_path / "out" / "proj-python3.11-x86_64.zip").namelist()
    assert "python/pkga/__init__.py" in names and "python/pkga/helper.py" not in names
    report = json.loads((tmp_path / "out" / "proj-python3.11-x86_64.report.json").read_text())
    assert report["imports_verified"]["skipped"] == "--no-verify"
    assert {"rule": "drop pkga:pkga/helper.py", "package": "pkga", "files": 1, "bytes": 6} in report["removed"]


@needs_311
def test_an_undeclared_optional_dependency_is_a_warning_and_the_build_passes(tmp_path, cache_dir):
    opt = ("withopt", {"withopt/__init__.py": "import not_installed_anywhere_lib\n"}, [])
    reqs = project(tmp_path, [PKGA, opt], ["pkga", "withopt"])
    result = build(reqs, tmp_path / "out")
    assert result.code == 0, result.stderr
    assert "warning: withopt (withopt) needs the optional not_installed_anywhere_lib" in result.stderr
    report = json.loads((tmp_path / "out" / "proj-python3.11-x86_64.report.json").read_text())
    assert report["imports_verified"]["failures"] == [] and len(report["imports_verified"]["warnings"]) == 1
    assert report["imports_verified"]["modules"] == 2


@needs_311
def test_a_module_that_fails_for_its_own_reasons_fails_the_build_without_blaming_a_rule(tmp_path, cache_dir):
    bad = ("boom", {"boom/__init__.py": "raise RuntimeError('needs a config file')\n"}, [])
    reqs = project(tmp_path, [bad], ["boom"])
    result = build(reqs, tmp_path / "out")
    assert result.code == 1
    assert "boom (boom) fails: RuntimeError: needs a config file (not caused by a removal)" in result.stderr


@needs_311
def test_runtime_provided_packages_the_layer_dropped_are_importable_after_it(tmp_path, cache_dir):
    """A stand-in `boto3` wheel (built here) plays the runtime's SDK: the layer drops it, the check finds it."""
    sdk = ("boto3", {"boto3/__init__.py": "def client(name):\n    return name\n"}, [])
    user = ("usesaws", {"usesaws/__init__.py": "import boto3\nS3 = boto3.client('s3')\n"}, ["boto3"])
    reqs = project(tmp_path, [sdk, user], ["usesaws"])
    result = build(reqs, tmp_path / "out")
    assert result.code == 0, result.stderr
    names = zipfile.ZipFile(tmp_path / "out" / "proj-python3.11-x86_64.zip").namelist()
    assert not any(n.startswith("python/boto3") for n in names)
    report = json.loads((tmp_path / "out" / "proj-python3.11-x86_64.report.json").read_text())
    assert any(r["rule"] == "runtime-provided" and r["package"] == "boto3" for r in report["removed"])
    assert report["imports_verified"] == {
        "python": report["bytecode"]["python"],
        "skipped": None,
        "modules": 1,
        "failures": [],
        "warnings": [],
    }


@needs_311
def test_a_sourceless_layer_ships_no_py_and_passes_the_smoke_test(tmp_path, cache_dir):
    reqs = project(tmp_path, [PKGA], ["pkga"])
    result = build(reqs, tmp_path / "out", "--bytecode", "only")
    assert result.code == 0, result.stderr
    names = zipfile.ZipFile(tmp_path / "out" / "proj-python3.11-x86_64.zip").namelist()
    assert not [n for n in names if n.endswith(".py")]
    assert {"python/pkga/__init__.pyc", "python/pkga/helper.pyc"} <= set(names)
    report = json.loads((tmp_path / "out" / "proj-python3.11-x86_64.report.json").read_text())
    assert report["bytecode"]["mode"] == "only" and report["imports_verified"]["modules"] == 1


def test_a_layer_for_a_runtime_whose_interpreter_is_absent_contains_no_pyc_at_all(tmp_path, cache_dir):
    """Discovery is limited to an empty folder: what a machine without that Python looks like."""
    shipped = dict(PKGA[1], **{"pkga/__pycache__/helper.cpython-312.pyc": b"\xcb\x0d\x0d\x0a" + b"\0" * 12})
    reqs = project(tmp_path, [("pkga", shipped, [])], ["pkga"])
    empty = tmp_path / "no-pythons"
    empty.mkdir()
    result = run_cli(
        "build", str(reqs), "--runtime", "python3.12", "-o", str(tmp_path / "out"), env={SEARCH_PATH_ENV: str(empty)}
    )
    assert result.code == 0, result.stderr
    names = zipfile.ZipFile(tmp_path / "out" / "proj-python3.12-x86_64.zip").namelist()
    assert "python/pkga/helper.py" in names
    assert not [n for n in names if n.endswith((".pyc", ".pyo"))]
    assert "no Python 3.12 interpreter found: the layer ships no .pyc" in result.stderr
    assert "import smoke test skipped: no Python 3.12 interpreter here" in result.stderr
    report = json.loads((tmp_path / "out" / "proj-python3.12-x86_64.report.json").read_text())
    assert {k: report["bytecode"][k] for k in ("mode", "python", "pyc_files")} == {
        "mode": "none",
        "python": None,
        "pyc_files": 0,
    }
