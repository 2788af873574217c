"""`layerbuild build --config` then `layerbuild publish --config`: every layer of the plan, real packages
from the index, a real moto server over HTTP."""

from __future__ import annotations

import json

import pytest

from tests.conftest import run_cli

pytestmark = [pytest.mark.aws, pytest.mark.network]


def test_every_layer_of_a_built_plan_is_published_and_an_unchanged_rebuild_publishes_nothing(
    tmp_path, aws_env, cache_dir
):
    import boto3

    (tmp_path / "api").mkdir()
    (tmp_path / "worker").mkdir()
    (tmp_path / "api" / "requirements.txt").write_text("six==1.16.0\n")
    (tmp_path / "worker" / "requirements.txt").write_text("six==1.16.0\nidna==3.7\n")
    (tmp_path / "layerbuild.toml").write_text(
        'runtime = "python3.13"\narch = "arm64"\noutput = "out"\n\n'
        '[functions.api]\nrequirements = "api/requirements.txt"\n\n'
        '[functions.worker]\nrequirements = "worker/requirements.txt"\n\n'
        '[publish]\nregions = ["eu-west-1", "us-east-2"]\nssm_parameter = "/layers/{layer}"\n'
    )
    env = {**aws_env, "LAYERBUILD_CACHE_DIR": str(cache_dir)}
    built = run_cli("build", "--config", "layerbuild.toml", env=env, cwd=tmp_path)
    assert built.code == 0, built.stderr
    plan = json.loads((tmp_path / "out" / "plan.json").read_text())
    names = sorted(layer["name"] for layer in plan["layers"])
    assert len(names) >= 2

    first = run_cli("publish", "--config", "layerbuild.toml", "--format", "json", env=env, cwd=tmp_path)
    assert first.code == 0, first.stderr
    out = json.loads(first.stdout)
    assert sorted(out) == names
    for name in names:
        for region in ("eu-west-1", "us-east-2"):
            assert out[name][region]["skipped"] is False
            lam = boto3.client("lambda", region_name=region)
            detail = lam.get_layer_version(LayerName=name, VersionNumber=out[name][region]["version"])
            assert detail["CompatibleRuntimes"] == ["python3.13"]
            assert detail["CompatibleArchitectures"] == ["arm64"]
            ssm = boto3.client("ssm", region_name=region)
            assert ssm.get_parameter(Name=f"/layers/{name}")["Parameter"]["Value"] == out[name][region]["arn"]

    # The build is deterministic: rebuilding the same config gives the same bytes, so nothing is published.
    (tmp_path / "out").rename(tmp_path / "out-first")
    rebuilt = run_cli("build", "--config", "layerbuild.toml", env=env, cwd=tmp_path)
    assert rebuilt.code == 0, rebuilt.stderr
    again = run_cli("publish", "--config", "layerbuild.toml", "--format", "json", env=env, cwd=tmp_path)
    assert again.code == 0, again.stderr
    again_out = json.loads(again.stdout)
    assert all(again_out[n][r]["skipped"] for n in names for r in ("eu-west-1", "us-east-2"))
    assert all(again_out[n][r]["arn"] == out[n][r]["arn"] for n in names for r in ("eu-west-1", "us-east-2"))
