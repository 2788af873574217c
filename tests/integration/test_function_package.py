"""`layerbuild build REQS --code DIR --function`: a function zip, code at the root, dependencies beside it."""

from __future__ import annotations

import hashlib
import json
import subprocess
import zipfile
from pathlib import Path

import pytest

from tests.conftest import python_for, run_cli

pytestmark = pytest.mark.network

HANDLER = """import attrs
import six

from orders.model import Order


def handler(event, context):
    return f"{Order('o-1').id} attrs={attrs.__version__} six={six.__version__}"
"""


def _project(root: Path) -> tuple[Path, Path]:
    code = root / "fn"
    (code / "orders").mkdir(parents=True)
    (code / "handler.py").write_text(HANDLER)
    (code / "orders" / "__init__.py").write_text("")
    (code / "orders" / "model.py").write_text("import attrs\n\n\n@attrs.define\nclass Order:\n    id: str\n")
    (code / "orders" / "prices.csv").write_text("sku,price\na,1\n")
    reqs = root / "requirements.txt"
    reqs.write_text("attrs==24.2.0\nsix==1.16.0\n")
    return reqs, code


def _build(root: Path, reqs: Path, code: Path, cache: Path, out: str = "dist"):
    result = run_cli(
        "-q",
        "build",
        str(reqs),
        "--code",
        str(code),
        "--function",
        "--runtime",
        "python3.11",
        "-o",
        str(root / out),
        env={"LAYERBUILD_CACHE_DIR": str(cache)},
    )
    assert result.code == 0, result.stderr
    (zip_path,) = (root / out).glob("*.zip")
    return zip_path, result


def test_the_code_sits_at_the_root_with_its_dependencies_beside_it(tmp_path):
    reqs, code = _project(tmp_path)
    zip_path, _ = _build(tmp_path, reqs, code, tmp_path / "cache")
    assert zip_path.name == "fn-function-python3.11-x86_64.zip"
    names = zipfile.ZipFile(zip_path).namelist()
    assert {"handler.py", "orders/__init__.py", "orders/model.py", "orders/prices.csv"} <= set(names)
    assert {"attrs/__init__.py", "six.py"} <= set(names)
    assert any(n.startswith("attrs-24.2.0.dist-info/") for n in names)
    assert not [n for n in names if n.startswith("python/")]
    assert any(n.startswith("attrs/__pycache__/") for n in names)  # the dependencies went through bytecode
    assert {"__pycache__/handler.cpython-311.pyc", "orders/__pycache__/model.cpython-311.pyc"} <= set(names)
    pyc = zipfile.ZipFile(zip_path).read("__pycache__/handler.cpython-311.pyc")
    assert int.from_bytes(pyc[4:8], "little") == 0b01  # hash-based, unchecked: valid whatever the zip's dates
    assert b"/var/task/handler.py" in pyc  # the file name Lambda will show, not this machine's folder


def test_the_handler_imports_its_dependencies_with_only_the_code_root_on_sys_path(tmp_path):
    python = python_for("3.11")
    if python is None:
        pytest.skip("no python3.11 on this machine")
    reqs, code = _project(tmp_path)
    zip_path, _ = _build(tmp_path, reqs, code, tmp_path / "cache")
    task = tmp_path / "var-task"
    zipfile.ZipFile(zip_path).extractall(task)
    # -I -S: no site folder, no user packages, as Lambda's /var/task is the first entry of sys.path.
    script = f"import sys; sys.path.insert(0, {str(task)!r}); import handler; print(handler.handler({{}}, None))"
    # -v: the import system names each module's code object source; the shipped .pyc must be the one used.
    proc = subprocess.run([python, "-I", "-S", "-v", "-c", script], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "o-1 attrs=24.2.0 six=1.16.0"
    assert f"code object from '{task}/__pycache__/handler.cpython-311.pyc'" in proc.stderr
    assert f"code object from '{task}/orders/__pycache__/model.cpython-311.pyc'" in proc.stderr


def test_a_rebuild_is_byte_identical_cached_and_an_edited_handler_gives_a_new_zip(tmp_path):
    reqs, code = _project(tmp_path)
    first, _ = _build(tmp_path, reqs, code, tmp_path / "cache-a", "a")
    fresh, _ = _build(tmp_path, reqs, code, tmp_path / "cache-b", "b")  # another machine: an empty cache
    again, rerun = _build(tmp_path, reqs, code, tmp_path / "cache-a", "c")
    digest = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in (first, fresh, again)}
    assert digest[first] == digest[fresh] == digest[again]
    assert rerun.stderr.startswith("cached: "), rerun.stderr  # the layer and the function zip from the cache
    (code / "handler.py").write_text(HANDLER.replace("o-1", "o-2"))
    edited, _ = _build(tmp_path, reqs, code, tmp_path / "cache-a", "d")
    assert hashlib.sha256(edited.read_bytes()).hexdigest() != digest[first]
    assert zipfile.ZipFile(edited).read("handler.py").decode().count("o-2") == 1


def test_report_and_audit_treat_it_as_a_function_zip(tmp_path):
    reqs, code = _project(tmp_path)
    zip_path, _ = _build(tmp_path, reqs, code, tmp_path / "cache")
    sidecar = json.loads(zip_path.with_name("fn-function-python3.11-x86_64.report.json").read_text())
    assert sidecar["layer"]["kind"] == "function"
    assert {p["name"] for p in sidecar["packages"]} >= {"attrs", "six"}
    report = run_cli("-q", "report", str(zip_path), "--no-measure", "--format", "json")
    assert report.code == 0, report.stderr
    data = json.loads(report.stdout)
    assert data["layer"]["kind"] == "function"
    assert {p["name"]: p["version"] for p in data["packages"] if p["name"] in ("attrs", "six")} == {
        "attrs": "24.2.0",
        "six": "1.16.0",
    }
    audit = run_cli("-q", "audit", str(zip_path), "--format", "json")
    assert audit.code in (0, 1), audit.stderr
    audited = json.loads(audit.stdout)
    assert audited["audit"]["kind"] == audited["layer"]["kind"] == "function"


def test_a_code_file_that_is_also_a_dependency_file_is_refused_in_one_line(tmp_path):
    reqs, code = _project(tmp_path)
    (code / "six.py").write_text("# my own six\n")
    result = run_cli(
        "-q",
        "build",
        str(reqs),
        "--code",
        str(code),
        "--function",
        "--runtime",
        "python3.11",
        "-o",
        str(tmp_path / "dist"),
        env={"LAYERBUILD_CACHE_DIR": str(tmp_path / "cache")},
    )
    assert result.code == 2
    assert result.stderr.count("\n") == 1 and "six.py" in result.stderr and "Traceback" not in result.stderr
    assert not list((tmp_path / "dist").glob("*.zip"))
