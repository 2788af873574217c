"""`layerbuild publish` and `prune` against a real moto server over HTTP on 127.0.0.1.

The CLI runs in a subprocess exactly as a user runs it; boto3 is unchanged but for AWS_ENDPOINT_URL
(and dummy credentials). Faults moto cannot produce on demand (throttling, expired credentials, access
denied in one region) come from `faulty_front`, a small HTTP front on 127.0.0.1 that forwards every other
request to moto — see tests/fixtures/moto.py.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.fixtures.moto import DUMMY_ENV, Fault

pytestmark = pytest.mark.aws

REGIONS = ("eu-west-1", "us-east-1", "ap-southeast-2")


def layer_zip(path: Path, text: str = "VALUE = 1\n") -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("python/thing.py", text)
    return path


def boto(service: str, region: str = "eu-west-1"):
    import boto3

    return boto3.client(service, region_name=region)  # endpoint, credentials: from aws_env


def versions(name: str, region: str = "eu-west-1") -> list[int]:
    return sorted(v["Version"] for v in boto("lambda", region).list_layer_versions(LayerName=name)["LayerVersions"])


def assert_one_clear_line(result, *phrases: str) -> None:
    assert result.code == 2, result
    # Progress notes ("eu-west-1: published …") may come first; the error is one line, and the last.
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("layerbuild: error: ")]
    assert len(errors) == 1 and lines[-1] == errors[0], result.stderr
    assert "Traceback" not in result.stderr
    for phrase in phrases:
        assert phrase in errors[0], errors[0]
    for secret in DUMMY_ENV.values():
        assert secret not in result.stderr and secret not in result.stdout


def test_the_same_zip_twice_creates_one_version_and_a_changed_zip_a_second(tmp_path, aws_env):
    zip_path = layer_zip(tmp_path / "api-python3.12-x86_64.zip")
    first = run_cli(
        "publish", str(zip_path), "--layer-name", "api", "--region", "eu-west-1", "--format", "json", env=aws_env
    )
    assert first.code == 0, first.stderr
    again = run_cli(
        "publish", str(zip_path), "--layer-name", "api", "--region", "eu-west-1", "--format", "json", env=aws_env
    )
    assert again.code == 0, again.stderr
    assert json.loads(first.stdout)["eu-west-1"]["skipped"] is False
    assert json.loads(again.stdout)["eu-west-1"] == {
        **json.loads(first.stdout)["eu-west-1"],
        "skipped": True,
        "reason": "unchanged",
    }
    assert versions("api") == [1]

    layer_zip(zip_path, "VALUE = 2\n")
    changed = run_cli(
        "publish", str(zip_path), "--layer-name", "api", "--region", "eu-west-1", "--format", "json", env=aws_env
    )
    assert changed.code == 0, changed.stderr
    out = json.loads(changed.stdout)["eu-west-1"]
    assert (out["version"], out["skipped"], out["reason"]) == (2, False, "content changed")
    assert versions("api") == [1, 2]
    detail = boto("lambda").get_layer_version(LayerName="api", VersionNumber=2)
    assert detail["CompatibleRuntimes"] == ["python3.12"] and detail["CompatibleArchitectures"] == ["x86_64"]


def test_three_regions_in_one_command_each_with_its_arn_in_the_json(tmp_path, aws_env):
    zip_path = layer_zip(tmp_path / "api-python3.13-arm64.zip")
    args = [a for region in REGIONS for a in ("--region", region)]
    result = run_cli(
        "publish",
        str(zip_path),
        "--layer-name",
        "shared",
        *args,
        "--format",
        "json",
        "--description",
        "shared deps",
        "--license-info",
        "MIT",
        env=aws_env,
    )
    assert result.code == 0, result.stderr
    out = json.loads(result.stdout)
    assert sorted(out) == sorted(REGIONS)
    for region in REGIONS:
        listed = boto("lambda", region).list_layer_versions(LayerName="shared")["LayerVersions"]
        assert [v["LayerVersionArn"] for v in listed] == [out[region]["arn"]]
        assert out[region]["arn"].startswith(f"arn:aws:lambda:{region}:") and out[region]["version"] == 1
        assert listed[0]["CompatibleRuntimes"] == ["python3.13"] and listed[0]["CompatibleArchitectures"] == ["arm64"]
        assert (listed[0]["Description"], listed[0]["LicenseInfo"]) == ("shared deps", "MIT")


@pytest.fixture(scope="module")
def big_zip(tmp_path_factory) -> Path:
    """60 MB of random bytes, stored: it cannot compress, so the zip itself is over 50 MB."""
    path = tmp_path_factory.mktemp("big") / "big-python3.12-x86_64.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        with zf.open("python/blob.bin", "w") as out:
            for _ in range(60):
                out.write(os.urandom(1_000_000))
    assert path.stat().st_size > 50 * 1024 * 1024
    return path


def test_a_60_mb_zip_without_a_bucket_fails_clearly_and_publishes_nothing(big_zip, aws_env):
    s3 = boto("s3")
    s3.create_bucket(Bucket="layer-bucket", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    result = run_cli("publish", str(big_zip), "--layer-name", "big", "--region", "eu-west-1", env=aws_env)
    assert_one_clear_line(result, "direct upload limit", "--s3-bucket")
    assert result.stdout == ""
    assert versions("big") == []
    assert s3.list_objects_v2(Bucket="layer-bucket").get("KeyCount", 0) == 0


def test_a_60_mb_zip_with_a_bucket_lands_in_s3_and_the_version_is_made_from_it(big_zip, aws_env):
    from layerbuild.aws.publish.jobs import read_layer_zip

    s3 = boto("s3")
    s3.create_bucket(Bucket="layer-bucket", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    result = run_cli(
        "publish",
        str(big_zip),
        "--layer-name",
        "big",
        "--region",
        "eu-west-1",
        "--s3-bucket",
        "layer-bucket",
        "--s3-prefix",
        "layers",
        "--format",
        "json",
        env=aws_env,
    )
    assert result.code == 0, result.stderr
    layer = read_layer_zip(big_zip)
    key = f"layers/big/{layer.sha256_hex}.zip"
    out = json.loads(result.stdout)["eu-west-1"]
    assert out["s3_uri"] == f"s3://layer-bucket/{key}"
    assert s3.head_object(Bucket="layer-bucket", Key=key)["ContentLength"] == big_zip.stat().st_size
    detail = boto("lambda").get_layer_version(LayerName="big", VersionNumber=out["version"])
    assert detail["Content"]["CodeSha256"] == layer.code_sha256
    assert detail["Content"]["CodeSize"] == big_zip.stat().st_size
    # And through S3 too, the unchanged zip is not published (nor uploaded) again.
    again = run_cli(
        "publish",
        str(big_zip),
        "--layer-name",
        "big",
        "--region",
        "eu-west-1",
        "--s3-bucket",
        "layer-bucket",
        "--s3-prefix",
        "layers",
        "--format",
        "json",
        env=aws_env,
    )
    assert json.loads(again.stdout)["eu-west-1"]["skipped"] is True
    assert versions("big") == [1]


def test_a_missing_bucket_is_one_line_and_nothing_is_published(tmp_path, aws_env):
    zip_path = layer_zip(tmp_path / "api-python3.12-x86_64.zip")
    result = run_cli(
        "publish",
        str(zip_path),
        "--layer-name",
        "api",
        "--region",
        "eu-west-1",
        "--region",
        "us-east-1",
        "--s3-bucket",
        "no-such-layer-bucket",
        env=aws_env,
    )
    assert_one_clear_line(result, "S3 bucket 'no-such-layer-bucket' does not exist")
    assert versions("api", "eu-west-1") == [] and versions("api", "us-east-1") == []


def test_public_adds_the_permission_and_the_policy_shows_it(tmp_path, aws_env):
    zip_path = layer_zip(tmp_path / "api-python3.12-x86_64.zip")
    result = run_cli(
        "publish",
        str(zip_path),
        "--layer-name",
        "api",
        "--region",
        "eu-west-1",
        "--public",
        "--principal",
        "111122223333",
        env=aws_env,
    )
    assert result.code == 0, result.stderr
    before = boto("lambda").get_layer_version_policy(LayerName="api", VersionNumber=1)["Policy"]
    assert "layerbuild-org" not in before
    policy = json.loads(boto("lambda").get_layer_version_policy(LayerName="api", VersionNumber=1)["Policy"])
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    assert by_sid["layerbuild-public"]["Principal"] == "*"
    assert by_sid["layerbuild-public"]["Action"] == "lambda:GetLayerVersion"
    assert "111122223333" in json.dumps(by_sid["layerbuild-account-111122223333"]["Principal"])
    # Re-running adds no duplicate statement (Lambda would refuse a repeated statement id).
    again = run_cli(
        "publish",
        str(zip_path),
        "--layer-name",
        "api",
        "--region",
        "eu-west-1",
        "--public",
        "--principal",
        "111122223333",
        env=aws_env,
    )
    assert again.code == 0, again.stderr
    policy = json.loads(boto("lambda").get_layer_version_policy(LayerName="api", VersionNumber=1)["Policy"])
    assert len(policy["Statement"]) == 2


def test_organization_id_shares_the_layer_with_that_organization_only(tmp_path, aws_env):
    zip_path = layer_zip(tmp_path / "api-python3.12-x86_64.zip")
    result = run_cli(
        "publish",
        str(zip_path),
        "--layer-name",
        "api",
        "--region",
        "eu-west-1",
        "--organization-id",
        "o-a1b2c3d4e5",
        env=aws_env,
    )
    assert result.code == 0, result.stderr
    policy = json.loads(boto("lambda").get_layer_version_policy(LayerName="api", VersionNumber=1)["Policy"])
    [statement] = policy["Statement"]
    assert statement["Sid"] == "layerbuild-org-o-a1b2c3d4e5" and statement["Principal"] == "*"
    # AWS writes the organization as a Condition (aws:PrincipalOrgID), moto as a key: either way it is there.
    assert "o-a1b2c3d4e5" in json.dumps({k: v for k, v in statement.items() if k not in ("Sid", "Resource")})


def test_prune_keeps_a_version_a_function_still_uses(tmp_path, aws_env):
    zip_path = tmp_path / "api-python3.12-x86_64.zip"
    arns = []
    for n in range(1, 5):
        layer_zip(zip_path, f"VALUE = {n}\n")
        result = run_cli(
            "publish", str(zip_path), "--layer-name", "api", "--region", "eu-west-1", "--format", "json", env=aws_env
        )
        arns.append(json.loads(result.stdout)["eu-west-1"]["arn"])
    role = boto("iam", "us-east-1").create_role(RoleName="fn-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    code = layer_zip(tmp_path / "fn.zip", "def handler(e, c):\n    return 1\n").read_bytes()
    boto("lambda").create_function(
        FunctionName="orders",
        Runtime="python3.12",
        Role=role,
        Handler="thing.handler",
        Code={"ZipFile": code},
        Layers=[arns[1]],
    )  # version 2
    dry = run_cli("prune", "api", "--keep", "1", "--region", "eu-west-1", "--dry-run", env=aws_env)
    assert "api:1  would delete" in dry.stdout and versions("api") == [1, 2, 3, 4]
    result = run_cli("prune", "api", "--keep", "1", "--region", "eu-west-1", env=aws_env)
    assert result.code == 0, result.stderr
    assert versions("api") == [2, 4]
    assert "api:2  kept  (used by orders)" in result.stdout
    assert "api:4  kept  (among the newest 1)" in result.stdout
    assert "api:1  deleted" in result.stdout and "api:3  deleted" in result.stdout


def test_a_throttled_publish_is_retried_and_succeeds(tmp_path, aws_env, faulty_front):
    """Throttling injected by `faulty_front`: the first 3 PublishLayerVersion calls get HTTP 429
    TooManyRequestsException (Lambda's wire format); botocore's standard retry mode must back off and retry."""
    faulty_front.faults.append(Fault(429, "TooManyRequestsException", "Rate exceeded", times=3))
    zip_path = layer_zip(tmp_path / "api-python3.12-x86_64.zip")
    env = {**aws_env, "AWS_ENDPOINT_URL": faulty_front.url}
    result = run_cli(
        "publish", str(zip_path), "--layer-name", "api", "--region", "eu-west-1", "--format", "json", env=env
    )
    assert result.code == 0, result.stderr
    assert faulty_front.faults[0].served == 3
    assert json.loads(result.stdout)["eu-west-1"]["version"] == 1
    assert versions("api") == [1]


def test_throttling_that_never_ends_is_one_line_and_nothing_is_reported_as_published(tmp_path, aws_env, faulty_front):
    """Every PublishLayerVersion is throttled (injected by `faulty_front`); AWS_MAX_ATTEMPTS=2 keeps it short."""
    faulty_front.faults.append(Fault(429, "TooManyRequestsException", "Rate exceeded"))
    zip_path = layer_zip(tmp_path / "api-python3.12-x86_64.zip")
    env = {**aws_env, "AWS_ENDPOINT_URL": faulty_front.url, "AWS_MAX_ATTEMPTS": "2"}
    result = run_cli("publish", str(zip_path), "--layer-name", "api", "--region", "eu-west-1", env=env)
    assert_one_clear_line(result, "throttling", "eu-west-1", "done so far: none")
    assert faulty_front.faults[0].served == 2
    assert result.stdout == ""


def test_expired_credentials_are_one_line_exit_2_and_never_printed(tmp_path, aws_env, faulty_front):
    """moto accepts any credentials; the expired-token answer is injected by `faulty_front`."""
    faulty_front.faults.append(
        Fault(403, "ExpiredTokenException", "The security token included in the request is expired", method="GET")
    )
    zip_path = layer_zip(tmp_path / "api-python3.12-x86_64.zip")
    env = {**aws_env, "AWS_ENDPOINT_URL": faulty_front.url}
    result = run_cli("publish", str(zip_path), "--layer-name", "api", "--region", "eu-west-1", env=env)
    assert_one_clear_line(result, "credentials are expired or invalid", "eu-west-1")
    assert versions("api") == []


def test_access_denied_in_one_region_names_exactly_what_succeeded_elsewhere(tmp_path, aws_env, faulty_front):
    """AccessDenied for PublishLayerVersion signed for ap-southeast-2 only, injected by `faulty_front`
    (moto's own IAM checks answer Lambda calls in a format botocore cannot parse)."""
    faulty_front.faults.append(
        Fault(
            403,
            "AccessDeniedException",
            "User is not authorized to perform lambda:PublishLayerVersion",
            region="ap-southeast-2",
        )
    )
    zip_path = layer_zip(tmp_path / "api-python3.12-x86_64.zip")
    env = {**aws_env, "AWS_ENDPOINT_URL": faulty_front.url}
    args = [a for region in REGIONS for a in ("--region", region)]
    result = run_cli("publish", str(zip_path), "--layer-name", "api", *args, "--format", "json", env=env)
    assert_one_clear_line(
        result,
        "access denied (AccessDeniedException) in ap-southeast-2",
        "done so far: eu-west-1 (api:1), us-east-1 (api:1)",
    )
    assert result.stdout == ""
    assert versions("api", "eu-west-1") == [1] and versions("api", "ap-southeast-2") == []


def test_ssm_parameter_holds_each_regions_latest_arn(tmp_path, aws_env):
    zip_path = layer_zip(tmp_path / "api-python3.12-x86_64.zip")
    for text in ("A = 1\n", "A = 2\n"):
        layer_zip(zip_path, text)
        result = run_cli(
            "publish",
            str(zip_path),
            "--layer-name",
            "api",
            "--region",
            "eu-west-1",
            "--region",
            "us-east-1",
            "--ssm-parameter",
            "/layers/{layer}/arn",
            "--format",
            "json",
            env=aws_env,
        )
        assert result.code == 0, result.stderr
    out = json.loads(result.stdout)
    for region in ("eu-west-1", "us-east-1"):
        value = boto("ssm", region).get_parameter(Name="/layers/api/arn")["Parameter"]["Value"]
        assert value == out[region]["arn"] and value.endswith(":layer:api:2")


def test_dry_run_says_what_would_happen_and_writes_nothing(tmp_path, aws_env):
    zip_path = layer_zip(tmp_path / "api-python3.12-x86_64.zip")
    result = run_cli(
        "publish",
        str(zip_path),
        "--layer-name",
        "api",
        "--region",
        "eu-west-1",
        "--dry-run",
        "--format",
        "json",
        env=aws_env,
    )
    assert result.code == 0, result.stderr
    out = json.loads(result.stdout)["eu-west-1"]
    assert out == {**out, "arn": None, "skipped": False, "dry_run": True, "reason": "would publish: new layer"}
    assert versions("api") == []


def test_publish_config_publishes_every_layer_of_the_build_plan(tmp_path, aws_env):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.layerbuild]\noutput = "out"\n\n[tool.layerbuild.publish]\nregions = ["eu-west-1", "us-east-1"]\n'
    )
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    layer_zip(out_dir / "shared-1-python3.12-x86_64.zip", "S = 1\n")
    layer_zip(out_dir / "api-deps-python3.12-x86_64.zip", "A = 1\n")
    missing = run_cli("publish", "--config", "pyproject.toml", env=aws_env, cwd=tmp_path)
    assert_one_clear_line(missing, "no build plan at out/plan.json", "run `layerbuild build --config")
    plan = {
        "schema_version": 1,
        "layers": [
            {
                "name": "shared-1",
                "zip": str(out_dir / "shared-1-python3.12-x86_64.zip"),
                "runtime": "python3.12",
                "arch": "x86_64",
            },
            {"name": "api-deps", "zip": "api-deps-python3.12-x86_64.zip", "runtime": "python3.12", "arch": "x86_64"},
        ],
    }
    (out_dir / "plan.json").write_text(json.dumps(plan))
    result = run_cli("publish", "--config", "pyproject.toml", "--format", "json", env=aws_env, cwd=tmp_path)
    assert result.code == 0, result.stderr
    out = json.loads(result.stdout)
    assert sorted(out) == ["api-deps", "shared-1"]
    for name in out:
        assert sorted(out[name]) == ["eu-west-1", "us-east-1"]
        assert versions(name, "us-east-1") == [1]
