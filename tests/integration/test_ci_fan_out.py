"""The shipped GitHub Actions workflow (examples/github-actions/layers.yml), run job by job: each job's
`run:` commands in its own process and folder with its own empty layerbuild cache (a fresh runner),
artifacts copied between folders as actions/upload-artifact and download-artifact would, the shared
cache and the publish job against the real moto server. Real packages from the index.

Emulated steps, and why: actions/checkout (the project is copied into the job's folder),
actions/setup-python and the "Install layerbuild" step (this checkout's layerbuild is on PATH),
aws-actions/configure-aws-credentials (moto's dummy credentials are in the environment).
"""

from __future__ import annotations

import base64
import glob
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

pytestmark = [pytest.mark.aws, pytest.mark.network]

WORKFLOW = ROOT / "examples" / "github-actions" / "layers.yml"


def _project(root: Path) -> Path:
    """Two functions sharing six, one also needing idna: a shared layer and a function's own layer."""
    for fn, reqs in (("api", "six==1.16.0\n"), ("worker", "six==1.16.0\nidna==3.7\n")):
        (root / fn).mkdir(parents=True)
        (root / fn / "requirements.txt").write_text(reqs)
    (root / "layerbuild.toml").write_text(
        'runtime = "python3.12"\n\n'
        '[functions.api]\nrequirements = "api/requirements.txt"\n\n'
        '[functions.worker]\nrequirements = "worker/requirements.txt"\n\n'
        '[publish]\nregions = ["eu-west-1"]\n'
    )
    return root


class Runner:
    """Runs one job of the workflow in its own folder, as a fresh GitHub runner would."""

    def __init__(self, workflow: dict, project: Path, store: Path, env: dict[str, str]) -> None:
        self.workflow, self.project, self.store, self.env = workflow, project, store, env

    def run(self, job_name: str, folder: Path, matrix: dict[str, str] | None = None) -> dict[str, str]:
        job = self.workflow["jobs"][job_name]
        shutil.copytree(self.project, folder)  # actions/checkout
        outputs: dict[str, str] = {}
        github_env: dict[str, str] = {}
        env = {
            **os.environ,
            **self.env,
            **{k: str(v) for k, v in self.workflow.get("env", {}).items()},
            "LAYERBUILD_CACHE_DIR": str(folder.parent / f"{folder.name}-cache"),  # a fresh runner's cache
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        }
        for step in job["steps"]:
            uses = step.get("uses", "")
            values = {**env, **github_env}
            if uses.startswith(("actions/checkout", "actions/setup-python", "aws-actions/configure-aws-credentials")):
                continue
            if step.get("name") == "Install layerbuild":
                continue
            if uses.startswith("actions/upload-artifact"):
                name = _expand(step["with"]["name"], matrix, values)
                self._upload(folder, name, step["with"]["path"].split())
                continue
            if uses.startswith("actions/download-artifact"):
                dest = folder / step["with"]["path"]
                for artifact in sorted(self.store.iterdir()):
                    shutil.copytree(artifact, dest / artifact.name)
                continue
            assert "run" in step, f"the test does not know step {step}"
            out_file, env_file = folder.parent / f"{folder.name}-output", folder.parent / f"{folder.name}-env"
            step_env = {k: _expand(str(v), matrix, values) for k, v in step.get("env", {}).items()}
            proc = subprocess.run(
                ["bash", "-e", "-o", "pipefail", "-c", _expand(step["run"], matrix, values)],
                cwd=folder,
                env={**values, **step_env, "GITHUB_OUTPUT": str(out_file), "GITHUB_ENV": str(env_file)},
                capture_output=True,
                text=True,
                timeout=900,
            )
            self.last = proc
            assert proc.returncode == 0, f"{job_name} step {step.get('name') or step['run']}: {proc.stderr}"
            for path, into in ((out_file, outputs), (env_file, github_env)):
                if path.exists():
                    into.update(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
                    path.unlink()
        return outputs

    def _upload(self, folder: Path, name: str, patterns: list[str]) -> None:
        """Like upload-artifact: the files matched, paths kept below their common folder."""
        files = [Path(p) for pattern in patterns for p in glob.glob(str(folder / pattern))]
        assert files, f"artifact {name}: nothing matches {patterns}"
        base = Path(os.path.commonpath([f.parent for f in files]))
        for f in files:
            dest = self.store / name / f.relative_to(base)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(f, dest)


def _expand(text: str, matrix: dict[str, str] | None, env: dict[str, str]) -> str:
    def one(m: re.Match[str]) -> str:
        expr = m.group(1).strip()
        if expr.startswith("matrix.") and matrix is not None:
            return matrix[expr.removeprefix("matrix.")]
        if expr.startswith("env."):
            return env[expr.removeprefix("env.")]
        raise AssertionError(f"the test cannot evaluate ${{{{ {expr} }}}}")

    return re.sub(r"\$\{\{(.*?)\}\}", one, text)


def test_the_example_workflow_plans_builds_each_layer_on_its_own_runner_and_publishes_them_all(tmp_path, aws_env):
    import boto3

    workflow = yaml.safe_load(WORKFLOW.read_text())
    bucket = workflow["env"]["LAYERBUILD_CACHE_URL"].removeprefix("s3://").split("/")[0]
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=bucket)
    project = _project(tmp_path / "project")
    store = tmp_path / "artifacts"
    runner = Runner(workflow, project, store, aws_env)

    outputs = runner.run("plan", tmp_path / "plan-job")
    matrix = json.loads(outputs["matrix"])
    entries = matrix["include"]
    assert {e["runtime"] for e in entries} == {"python3.12"} and {e["arch"] for e in entries} == {"x86_64"}
    planned = [layer["name"] for layer in json.loads((store / "plan" / "plan.json").read_text())["layers"]]
    assert [e["layer"] for e in entries] == planned and len(planned) == 2

    for i, entry in enumerate(entries):
        runner.run("build", tmp_path / f"build-job-{i}", matrix=entry)
        built = sorted(p.name for p in (store / f"layer-{entry['layer']}").iterdir())
        # --only built that one layer, nothing else
        assert built == [f"{entry['layer']}-python3.12-x86_64.report.json", f"{entry['layer']}-python3.12-x86_64.zip"]
    # every build job wrote its result to the shared cache (the workflow's LAYERBUILD_CACHE_URL)
    keys = [o["Key"] for o in boto3.client("s3", region_name="us-east-1").list_objects_v2(Bucket=bucket)["Contents"]]
    assert sum("/builds/" in k for k in keys) == 2

    # A mixed-up artifact (another layer's zip under this one's name) is refused before anything is published.
    bad = tmp_path / "bad-store"
    shutil.copytree(store, bad)
    first, second = (bad / f"layer-{e['layer']}" / f"{e['layer']}-python3.12-x86_64.zip" for e in entries)
    shutil.copyfile(second, first)
    tampered = Runner(workflow, project, bad, aws_env)
    with pytest.raises(AssertionError, match="sha256"):
        tampered.run("publish", tmp_path / "publish-job-bad")
    assert tampered.last.returncode == 2
    lines = tampered.last.stderr.strip().splitlines()
    assert len(lines) == 1 and "its build job reported" in lines[0] and "Traceback" not in tampered.last.stderr
    lam = boto3.client("lambda", region_name="eu-west-1")
    assert lam.list_layers()["Layers"] == []

    runner.run("publish", tmp_path / "publish-job")
    published = json.loads(runner.last.stdout)
    assert sorted(published) == sorted(planned)
    for name in planned:
        got = published[name]["eu-west-1"]
        assert got["skipped"] is False
        report = json.loads((store / f"layer-{name}" / f"{name}-python3.12-x86_64.report.json").read_text())
        detail = lam.get_layer_version(LayerName=name, VersionNumber=got["version"])
        assert detail["Content"]["CodeSha256"] == got["code_sha256"]
        assert bytes.fromhex(report["layer"]["sha256"]) == base64.b64decode(got["code_sha256"])
        assert detail["CompatibleRuntimes"] == ["python3.12"]


def test_an_only_that_names_no_planned_layer_is_one_line_listing_the_planned_ones(tmp_path, cache_dir):
    from tests.conftest import run_cli

    project = _project(tmp_path / "project")
    result = run_cli("build", "--config", "layerbuild.toml", "--only", "nosuch", "-o", "out", cwd=project)
    assert result.code == 2
    lines = [line for line in result.stderr.splitlines() if not line.startswith("•")]
    assert len(lines) == 1 and "--only nosuch names no planned layer" in lines[0]
    assert "shared-1 (python3.12 x86_64)" in lines[0] and "Traceback" not in result.stderr
    assert not (project / "out").exists() or not any((project / "out").iterdir())
    # the right name with another runtime is no planned layer either: --runtime selects, it does not re-plan
    other = run_cli(
        "build", "--config", "layerbuild.toml", "--only", "shared-1", "--runtime", "python3.13", cwd=project
    )
    assert other.code == 2 and "--only shared-1 python3.13 names no planned layer" in other.stderr
