"""`layerbuild build` makes a correct layer from real packages on the index (the foundation's promises)."""

from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path

import pytest

from layerbuild.measure.elf import read_elf
from layerbuild.measure.inventory import inventory_of_zip

from ..conftest import SAMPLES, python_for, run_cli

pytestmark = pytest.mark.network


def _build(out: Path, cache: Path, *args: str, reqs: Path = SAMPLES / "api" / "requirements.txt"):
    result = run_cli("build", str(reqs), "-o", str(out), *args, env={"LAYERBUILD_CACHE_DIR": str(cache)})
    assert result.code == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def api311(tmp_path_factory):
    out = tmp_path_factory.mktemp("api311")
    cache = tmp_path_factory.mktemp("cache")
    first = _build(out, cache, "--runtime", "python3.11", "--arch", "x86_64")
    zip_path = out / "api-python3.11-x86_64.zip"
    sha1 = json.loads((out / "api-python3.11-x86_64.report.json").read_text())["layer"]["sha256"]
    second = _build(out, cache, "--runtime", "python3.11", "--arch", "x86_64")
    return {"out": out, "cache": cache, "zip": zip_path, "first": first, "second": second, "sha1": sha1}


def test_layer_top_folder_is_python(api311):
    names = zipfile.ZipFile(api311["zip"]).namelist()
    assert names and {n.split("/", 1)[0] for n in names} == {"python"}


def test_every_top_level_module_imports_with_python311_from_the_layer_alone(api311, tmp_path):
    python = python_for("3.11")
    if python is None:
        pytest.skip("no python3.11 interpreter on this machine")
    with zipfile.ZipFile(api311["zip"]) as zf:
        zf.extractall(tmp_path)
    inventory = inventory_of_zip(api311["zip"])
    modules = sorted({m for d in inventory.distributions for m in d.top_level})
    assert {"requests", "pydantic", "pydantic_core", "jwt", "urllib3"} <= set(modules)
    code = (
        "import importlib, sys\nsys.path[:0] = [sys.argv[1]]\nfor m in sys.argv[2:]:\n"
        "    mod = importlib.import_module(m)\n"
        "    assert mod.__file__ is None or mod.__file__.startswith(sys.argv[1]), (m, mod.__file__)\n"
    )
    proc = subprocess.run(
        [python, "-I", "-S", "-c", code, str(tmp_path / "python"), *modules],
        capture_output=True,
        text=True,
        env={"PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert proc.returncode == 0, proc.stderr


def test_boto3_family_is_not_shipped_but_urllib3_is_kept_for_requests(api311):
    packages = {
        p["name"] for p in json.loads((api311["out"] / "api-python3.11-x86_64.report.json").read_text())["packages"]
    }
    assert not packages & {"boto3", "botocore", "s3transfer", "jmespath"}
    assert "python-dateutil" not in packages and "six" not in packages  # only botocore needed them
    assert {"requests", "urllib3"} <= packages
    names = zipfile.ZipFile(api311["zip"]).namelist()
    assert not [n for n in names if n.startswith(("python/boto3/", "python/botocore/", "python/dateutil/"))]


def test_report_records_what_the_runtime_provides_and_what_it_saved(api311):
    report = json.loads((api311["out"] / "api-python3.11-x86_64.report.json").read_text())
    removed = {r["package"]: r for r in report["removed"] if r["rule"] == "runtime-provided"}
    assert {"boto3", "botocore", "python-dateutil"} <= set(removed)
    assert removed["botocore"]["bytes"] > 1_000_000
    assert report["target"] == {"runtime": "python3.11", "arch": "x86_64", "glibc": "2.26", "source": "flags"}
    sizes = sum(p["unzipped_bytes"] for p in report["packages"])
    assert sizes == report["layer"]["unzipped_bytes"]


def test_same_command_twice_gives_the_same_sha256_and_the_second_is_a_cache_hit(api311):
    report = json.loads((api311["out"] / "api-python3.11-x86_64.report.json").read_text())
    assert report["layer"]["sha256"] == api311["sha1"]
    assert "cached:" in api311["second"].stderr and report["cached"] is True
    assert "Installing" not in api311["second"].stderr


def test_a_fresh_cache_rebuilds_byte_identically(api311, tmp_path):
    _build(tmp_path, tmp_path / "cache", "--runtime", "python3.11", "--arch", "x86_64")
    import hashlib

    assert hashlib.sha256((tmp_path / "api-python3.11-x86_64.zip").read_bytes()).hexdigest() == api311["sha1"]


def _elves(zip_path: Path):
    with zipfile.ZipFile(zip_path) as zf:
        for info in zf.infolist():
            with zf.open(info) as f:
                head = f.read(4)
            if head == b"\x7fELF":
                yield info.filename, read_elf(zf.read(info))


def test_arm64_build_contains_only_aarch64_elf_files(tmp_path):
    _build(tmp_path, tmp_path / "cache", "--runtime", "python3.12", "--arch", "arm64")
    elves = list(_elves(tmp_path / "api-python3.12-arm64.zip"))
    assert elves, "the api layer has native code (pydantic-core, charset-normalizer)"
    wrong = [(name, info.machine) for name, info in elves if info is None or info.machine != "aarch64"]
    assert wrong == []


def test_python311_build_needs_no_glibc_symbol_above_2_26(tmp_path):
    _build(tmp_path, tmp_path / "cache", "--runtime", "python3.11", reqs=SAMPLES / "etl" / "requirements.txt")
    elves = list(_elves(tmp_path / "etl-python3.11-x86_64.zip"))
    assert len(elves) > 20  # numpy and pandas: many extension modules
    too_new = [(name, info.glibc_needed) for name, info in elves if info.glibc_needed and info.glibc_needed > (2, 26)]
    assert too_new == []
