"""The GitHub Action's audit step and the pre-commit hook, run as CI would run them (bash, real CLI)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from tests.conftest import ROOT
from tests.unit.audit_helpers import layer_zip, wheel


def _step(step_id: str) -> dict:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    return next(s for s in action["runs"]["steps"] if s.get("id") == step_id)


def test_the_actions_audit_step_writes_annotations_json_sarif_and_summary(tmp_path):
    zip_path = layer_zip(tmp_path / "api-python3.12-x86_64.zip", [wheel(tmp_path, "boto3", "1.35.0")])
    outputs, summary, runner_temp = tmp_path / "out.txt", tmp_path / "summary.md", tmp_path / "runner"
    runner_temp.mkdir()
    env = dict(
        os.environ,
        TARGET=str(zip_path),
        RUNTIME="",
        ARCH="",
        ARGS="--max-unzipped 100MB",
        FAIL_ON="error",
        SARIF=str(tmp_path / "audit.sarif"),
        GITHUB_OUTPUT=str(outputs),
        GITHUB_STEP_SUMMARY=str(summary),
        RUNNER_TEMP=str(runner_temp),
        PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}",
    )
    proc = subprocess.run(
        ["bash", "-eo", "pipefail", "-c", _step("audit")["run"]], env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr  # findings are reported by the step's outputs, not by crashing
    out = dict(line.split("=", 1) for line in outputs.read_text().splitlines())
    assert out["exit-code"] == "1"
    assert "::error file=" in proc.stdout and "LB201" in proc.stdout
    report = json.loads(Path(out["report"]).read_text())
    assert report["audit"]["exit_code"] == 1 and report["audit"]["budgets"]["max_unzipped"] == 100_000_000
    assert json.loads((tmp_path / "audit.sarif").read_text())["version"] == "2.1.0"
    assert summary.read_text().count("## layerbuild audit") == 1  # one summary, not one per format


def test_the_pre_commit_hook_runs_the_audit_on_the_target_named_in_args(tmp_path):
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    hook = next(h for h in hooks if h["id"] == "layerbuild-audit")
    assert hook["pass_filenames"] is False and hook["entry"] == "layerbuild audit"
    zip_path = layer_zip(tmp_path / "api-python3.12-x86_64.zip", [wheel(tmp_path, "requests", "2.32.3")])
    import re

    assert re.search(hook["files"], "dist/api-python3.12-x86_64.zip") and re.search(hook["files"], "requirements.txt")
    cmd = [str(Path(sys.executable).parent / hook["entry"].split()[0]), *hook["entry"].split()[1:], str(zip_path)]
    assert subprocess.run(cmd, capture_output=True, timeout=120).returncode == 0
