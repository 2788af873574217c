"""`--cache-url s3://…` (LAYERBUILD_CACHE_URL): CI runners share build results and compiled .pyc through S3.
Real packages from the index, the real moto server over HTTP; each "runner" is a CLI process with its
own empty local cache. Unreachable stores are real failures too: a bucket that does not exist, and an
S3 endpoint on a loopback port nothing listens on.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import run_cli

pytestmark = [pytest.mark.aws, pytest.mark.network]

BUCKET = "layerbuild-shared-cache"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again when the with block ends: nothing listens there


def _build(tmp_path: Path, runner: str, env: dict[str, str], *args: str):
    out = tmp_path / f"{runner}-out"
    return run_cli(
        "build",
        str(tmp_path / "requirements.txt"),
        "--name",
        "shared",
        "-o",
        str(out),
        *args,
        env={**env, "LAYERBUILD_CACHE_DIR": str(tmp_path / f"{runner}-cache")},
    ), out / "shared-python3.12-x86_64.zip"


def test_a_fresh_runner_gets_the_layer_from_the_shared_cache_as_cached_with_the_same_bytes(tmp_path, aws_env):
    import boto3

    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket=BUCKET)
    (tmp_path / "requirements.txt").write_text("six==1.16.0\nidna==3.7\n")
    env = {**aws_env, "LAYERBUILD_CACHE_URL": f"s3://{BUCKET}/ci"}

    first, first_zip = _build(tmp_path, "runner1", env)
    assert first.code == 0, first.stderr
    assert "built:" in first.stderr and "warning" not in first.stderr
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert all(k.startswith("ci/v1/") for k in keys)
    assert all(any(f"/{kind}/" in k for k in keys) for kind in ("blobs", "builds", "pyc", "imports"))
    # no secret in any key (nor the index URL, nor a path of this machine): hashes and fixed words only
    assert not any(secret in k for k in keys for secret in (aws_env["AWS_SECRET_ACCESS_KEY"], "tmp", "pypi"))

    second, second_zip = _build(tmp_path, "runner2", {**aws_env}, "--cache-url", f"s3://{BUCKET}/ci")
    assert second.code == 0, second.stderr
    assert "cached:" in second.stderr and "built:" not in second.stderr
    assert second_zip.read_bytes() == first_zip.read_bytes()
    assert not (tmp_path / "runner2-cache" / "pyc").exists()  # nothing compiled: the whole build came from S3

    # Another build key for the same files (a budget that changes nothing here): a fresh runner builds,
    # but takes every .pyc and every passed import check runner 1 shared.
    third, _ = _build(tmp_path, "runner3", env, "--max-unzipped", "200MB")
    assert third.code == 0, third.stderr
    assert "built:" in third.stderr
    compiled = next(line for line in third.stderr.splitlines() if "Compiling bytecode" in line)
    reused, total = re.search(r"(\d+) of (\d+) from the cache", compiled).groups()
    assert reused == total != "0"
    assert "passed the import check before on the same files" in third.stderr


def test_a_damaged_shared_entry_is_rebuilt_not_used(tmp_path, aws_env):
    import boto3

    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket=BUCKET)
    (tmp_path / "requirements.txt").write_text("six==1.16.0\n")
    env = {**aws_env, "LAYERBUILD_CACHE_URL": f"s3://{BUCKET}/ci"}
    first, first_zip = _build(tmp_path, "runner1", env)
    assert first.code == 0, first.stderr
    for obj in s3.list_objects_v2(Bucket=BUCKET, Prefix="ci/v1/blobs/")["Contents"]:
        s3.put_object(Bucket=BUCKET, Key=obj["Key"], Body=b"not the zip")  # what a broken writer would leave

    second, second_zip = _build(tmp_path, "runner2", env)
    assert second.code == 0, second.stderr
    assert "built:" in second.stderr  # the sha256 did not match: rebuilt
    assert second_zip.read_bytes() == first_zip.read_bytes()
    # ... and the damaged blob was written again: the next fresh runner gets the layer from S3
    third, third_zip = _build(tmp_path, "runner3", env)
    assert third.code == 0 and "cached:" in third.stderr, third.stderr
    assert third_zip.read_bytes() == first_zip.read_bytes()


@pytest.mark.parametrize("broken", ["no such bucket", "no S3 endpoint"])
def test_an_unusable_shared_cache_is_said_once_and_the_build_goes_on_with_the_local_cache(tmp_path, aws_env, broken):
    (tmp_path / "requirements.txt").write_text("six==1.16.0\n")
    env = {**aws_env, "LAYERBUILD_CACHE_URL": "s3://layerbuild-no-such-bucket/ci"}
    if broken == "no S3 endpoint":
        env["AWS_ENDPOINT_URL_S3"] = f"http://127.0.0.1:{_closed_port()}"
    result, zip_path = _build(tmp_path, "runner", env)
    assert result.code == 0, result.stderr
    assert zip_path.is_file() and "built:" in result.stderr
    warnings = [line for line in result.stderr.splitlines() if "shared cache" in line]
    assert len(warnings) == 1, result.stderr
    assert "s3://layerbuild-no-such-bucket/ci" in warnings[0] and "local cache only" in warnings[0]
    if broken == "no such bucket":
        assert "no such bucket" in warnings[0]
    assert "Traceback" not in result.stderr
    # the local cache still works: a rebuild is a local hit, which never asks the store
    again, _ = _build(tmp_path, "runner", env)
    assert again.code == 0 and "cached:" in again.stderr and "shared cache" not in again.stderr


def test_a_cache_url_that_is_not_an_s3_location_is_one_line_exit_2(tmp_path):
    (tmp_path / "requirements.txt").write_text("six==1.16.0\n")
    result, zip_path = _build(tmp_path, "runner", {}, "--cache-url", "https://user:token@example.com/cache")
    assert result.code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "s3://BUCKET/PREFIX" in lines[0] and "token" not in lines[0]
    assert not zip_path.exists()


def test_two_runners_writing_the_same_entry_at_once_leave_a_whole_one(tmp_path, aws_env):
    import boto3

    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket=BUCKET)
    (tmp_path / "requirements.txt").write_text("six==1.16.0\nidna==3.7\n")
    env = {**aws_env, "LAYERBUILD_CACHE_URL": f"s3://{BUCKET}/ci"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "layerbuild.cli", "build", str(tmp_path / "requirements.txt"), "--name", "shared"]
            + ["-o", str(tmp_path / f"racer{i}-out")],
            env={**os.environ, **env, "LAYERBUILD_CACHE_DIR": str(tmp_path / f"racer{i}-cache")},
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(2)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
    zips = {(tmp_path / f"racer{i}-out" / "shared-python3.12-x86_64.zip").read_bytes() for i in range(2)}
    assert len(zips) == 1
    later, later_zip = _build(tmp_path, "later", env)
    assert later.code == 0 and "cached:" in later.stderr, later.stderr
    assert later_zip.read_bytes() in zips
    assert len(s3.list_objects_v2(Bucket=BUCKET, Prefix="ci/v1/builds/")["Contents"]) == 1
