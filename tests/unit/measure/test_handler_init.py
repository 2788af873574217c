"""`layerbuild coldstart` on tiny layers built by the test (real wheels unpacked under python/), through
the real CLI: which packages init imports and which it never does, and the modelled fallback when no CPU
quota can be set (LAYERBUILD_CGROUP_ROOT at an empty folder is a machine without a cgroup CPU controller).

The runtime's SDK is installed once into the cache from the index, hence `network`.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest

from layerbuild.measure.init.cpu_quota import quota_unavailable
from tests.conftest import make_wheel, python_for, run_cli

pytestmark = [pytest.mark.network, pytest.mark.skipif(python_for("3.11") is None, reason="no Python 3.11 here")]


def _layer(root: Path) -> Path:
    layer = root / "layer" / "python"
    layer.mkdir(parents=True)
    for name, body in (
        ("usedpkg", "VALUE = sum(range(1000))\n"),
        ("unusedpkg", "raise SystemExit('never imported')\n"),
    ):
        wheel = make_wheel(root / "wheels", name, "1.0", {f"{name}/__init__.py": body})
        with zipfile.ZipFile(wheel) as zf:
            zf.extractall(layer)
    return layer.parent


def _coldstart(tmp_path: Path, *args: str, env: dict[str, str] | None = None):
    code = tmp_path / "code"
    code.mkdir()
    (code / "app.py").write_text("import usedpkg\n\n\ndef handler(event, context):\n    return usedpkg.VALUE\n")
    result = run_cli(
        "-q", "coldstart", "--code", str(code), "--handler", "app.handler", "--layer", str(_layer(tmp_path)),
        "--runtime", "python3.11", "--runs", "2", "--format", "json", *args,
        env={"LAYERBUILD_CACHE_DIR": str(tmp_path / "cache"), **(env or {})},
    )  # fmt: skip
    assert result.code == 0, result.stderr
    return json.loads(result.stdout)


def test_init_lists_the_layers_packages_it_imports_and_those_it_never_imports(tmp_path):
    data = _coldstart(tmp_path, "--memory", "1769")
    rows = {p["name"]: p for p in data["packages"]}
    assert rows["usedpkg"]["source"] == "layer" and rows["usedpkg"]["modules"] == 1
    assert rows["usedpkg"]["bytes_loaded"] == len("VALUE = sum(range(1000))\n")
    assert rows["(function code)"]["modules"] == 1
    assert "unusedpkg" not in rows and data["never_imported"] == ["unusedpkg"]
    assert data["memories"][0]["measured"] is (quota_unavailable() is None)


def test_without_a_cpu_quota_init_is_modelled_and_says_why(tmp_path):
    (tmp_path / "no-cgroups").mkdir()
    data = _coldstart(tmp_path, "--memory", "128,1769", env={"LAYERBUILD_CGROUP_ROOT": str(tmp_path / "no-cgroups")})
    assert data["measured"] is False and "no cgroup CPU controller" in data["note"]
    small, full = data["memories"]
    assert small["measured"] is full["measured"] is False
    assert small["cpu_quota_us"] is None and small["spread_ms"] == 0
    assert small["init_ms"] == pytest.approx(full["init_ms"] * 1769 / 128, rel=0.01)  # the model's stretch


def test_a_sam_templates_function_gives_code_handler_runtime_memory_and_its_planned_layers(tmp_path):
    code = tmp_path / "src"
    code.mkdir()
    (code / "orders.py").write_text("import usedpkg\n\n\ndef lambda_handler(event, context):\n    return 1\n")
    (tmp_path / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\n"
        "Globals:\n  Function:\n    Runtime: python3.11\n    MemorySize: 512\n"
        "Resources:\n  Orders:\n    Type: AWS::Serverless::Function\n"
        "    Properties:\n      CodeUri: src/\n      Handler: orders.lambda_handler\n"
    )
    # The built plan (as `build --sam` writes it) gives the function its layer zip.
    layer_zip = tmp_path / "dist" / "shared-python3.11-x86_64.zip"
    layer_zip.parent.mkdir()
    shutil.make_archive(str(layer_zip.with_suffix("")), "zip", _layer(tmp_path))
    plan = {
        "schema_version": 1,
        "layers": [{"name": "shared", "zip": str(layer_zip), "zip_name": layer_zip.name}],
        "functions": [{"name": "Orders", "layers": ["shared"]}],
    }
    (tmp_path / "dist" / "plan.json").write_text(json.dumps(plan))
    result = run_cli(
        "-q", "coldstart", "--sam", str(tmp_path / "template.yaml"), "--plan", str(tmp_path / "dist" / "plan.json"),
        "--runs", "1", "--format", "json", env={"LAYERBUILD_CACHE_DIR": str(tmp_path / "cache")},
    )  # fmt: skip
    assert result.code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["handler"] == "orders.lambda_handler" and data["runtime"] == "python3.11"
    assert [m["memory"] for m in data["memories"]] == [512]
    assert data["code"] == str(code) and data["never_imported"] == ["unusedpkg"]
    assert data["layers"] == [str(layer_zip)]
