"""Publishing rules that need no AWS endpoint: hashes, limits, targets, retries, errors, prune choices."""

from __future__ import annotations

import base64
import hashlib
import json
import zipfile
from pathlib import Path

import pytest

from layerbuild.aws.errors import AwsError, explain
from layerbuild.aws.prune import decide
from layerbuild.aws.publish.jobs import (
    Compatibility,
    LayerJob,
    LayerZip,
    PublishOptions,
    check_request,
    compatibility_for,
    read_layer_zip,
    s3_location,
)
from layerbuild.aws.publish.run import publish_layers
from layerbuild.aws.regions import check_regions
from layerbuild.aws.session import retry_config
from layerbuild.errors import InputError
from layerbuild.facts.limits import MAX_DIRECT_UPLOAD_ZIPPED_BYTES, MAX_UNZIPPED_BYTES
from layerbuild.plan.plan_file import read_plan_file
from tests.conftest import make_wheel


def _zip(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return path


def _job(layer: LayerZip, name: str = "api") -> LayerJob:
    return LayerJob(name, layer, Compatibility(("python3.12",), ("x86_64",), "flags"))


def test_code_sha256_is_the_base64_sha256_of_the_zip_bytes_as_lambda_reports_it(tmp_path):
    path = _zip(tmp_path / "api-python3.12-x86_64.zip", {"python/a.py": b"x = 1\n"})
    layer = read_layer_zip(path)
    assert layer.code_sha256 == base64.b64encode(hashlib.sha256(path.read_bytes()).digest()).decode()
    assert layer.zipped_bytes == path.stat().st_size


def test_unzipped_size_is_read_from_the_central_directory(tmp_path):
    path = _zip(tmp_path / "l.zip", {"python/a.py": b"a" * 1000, "python/b.py": b"b" * 234})
    assert read_layer_zip(path).unzipped_bytes == 1234


def test_a_missing_or_broken_zip_is_one_clear_error(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        read_layer_zip(tmp_path / "nope.zip")
    (tmp_path / "bad.zip").write_bytes(b"not a zip")
    with pytest.raises(InputError, match="not a zip file"):
        read_layer_zip(tmp_path / "bad.zip")


def test_a_layer_unzipping_over_262144000_bytes_is_refused_before_any_aws_call(tmp_path, monkeypatch):
    # Zeros compress ~1000:1, so the zip is small but its central directory says 262,144,001 bytes.
    path = tmp_path / "big-python3.12-x86_64.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("python/blob.bin", "w", force_zip64=True) as out:
            chunk = bytes(1 << 20)
            for _ in range(MAX_UNZIPPED_BYTES // len(chunk)):
                out.write(chunk)
            out.write(bytes(MAX_UNZIPPED_BYTES % len(chunk) + 1))
    layer = read_layer_zip(path)
    assert layer.unzipped_bytes == MAX_UNZIPPED_BYTES + 1
    # Any AWS call would go to a closed loopback port and fail differently.
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    with pytest.raises(InputError, match="unzips to 262,144,001 bytes, over Lambda's 262,144,000-byte limit"):
        publish_layers([_job(layer)], PublishOptions(regions=("eu-west-1",)))


def test_over_50_mib_zipped_needs_an_s3_bucket(tmp_path):
    layer = LayerZip(tmp_path / "api.zip", "00" * 32, MAX_DIRECT_UPLOAD_ZIPPED_BYTES + 1, 100)
    with pytest.raises(InputError, match="direct upload limit: pass --s3-bucket"):
        check_request([_job(layer)], PublishOptions(regions=("eu-west-1",)))
    check_request([_job(layer)], PublishOptions(regions=("eu-west-1",), s3_bucket="layer-bucket"))
    at_limit = LayerZip(tmp_path / "api.zip", "00" * 32, MAX_DIRECT_UPLOAD_ZIPPED_BYTES, 100)
    check_request([_job(at_limit)], PublishOptions(regions=("eu-west-1",)))


@pytest.mark.parametrize("runtime", ["python3.12", "python3.13", "python3.14"])
def test_an_al2023_layer_is_never_marked_compatible_with_python310_or_311(tmp_path, runtime):
    path = _zip(tmp_path / f"api-{runtime}-arm64.zip", {"python/a.py": b""})
    compat = compatibility_for(read_layer_zip(path))
    assert compat.runtimes == (runtime,)
    assert not {"python3.10", "python3.11"} & set(compat.runtimes)
    assert compat.architectures == ("arm64",)
    assert compat.source == "zip name"


def test_flags_win_over_the_zips_name(tmp_path):
    path = _zip(tmp_path / "api-python3.12-x86_64.zip", {"python/a.py": b""})
    compat = compatibility_for(read_layer_zip(path), runtime="python3.13", arch="arm64")
    assert (compat.runtimes, compat.architectures, compat.source) == (("python3.13",), ("arm64",), "flags")


def test_target_comes_from_the_wheel_tags_when_the_name_has_none(tmp_path):
    wheel = make_wheel(
        tmp_path / "w",
        "fastthing",
        "1.0",
        {"fastthing/_c.so": b"\x7fELF"},
        tag="cp311-cp311-manylinux_2_17_aarch64",
        purelib=False,
    )
    files = {f"python/{n}": zipfile.ZipFile(wheel).read(n) for n in zipfile.ZipFile(wheel).namelist()}
    path = _zip(tmp_path / "layer.zip", files)
    compat = compatibility_for(read_layer_zip(path))
    assert (compat.runtimes, compat.architectures) == (("python3.11",), ("arm64",))
    assert compat.source == "wheel tags"


def test_a_pure_python_layer_runs_on_both_architectures(tmp_path):
    path = _zip(tmp_path / "layer.zip", {"python/a.py": b""})
    compat = compatibility_for(read_layer_zip(path), runtime="python3.12")
    assert compat.architectures == ("x86_64", "arm64")


def test_a_layer_with_no_target_anywhere_asks_for_runtime(tmp_path):
    path = _zip(tmp_path / "layer.zip", {"python/a.py": b""})
    with pytest.raises(InputError, match="pass --runtime"):
        compatibility_for(read_layer_zip(path))


def test_s3_key_is_the_content_hash_and_bucket_can_name_the_region(tmp_path):
    layer = LayerZip(tmp_path / "api.zip", "ab" * 32, 10, 10)
    options = PublishOptions(regions=("eu-west-1",), s3_bucket="layers-{region}", s3_prefix="/builds/")
    assert s3_location(_job(layer), "eu-west-1", options) == ("layers-eu-west-1", f"builds/api/{'ab' * 32}.zip")


def test_bad_permissions_names_and_ssm_parameter_are_refused(tmp_path):
    layer = LayerZip(tmp_path / "api.zip", "00" * 32, 10, 10)
    with pytest.raises(InputError, match="12-digit"):
        check_request([_job(layer)], PublishOptions(regions=("eu-west-1",), principals=("alice",)))
    with pytest.raises(InputError, match="organization id"):
        check_request([_job(layer)], PublishOptions(regions=("eu-west-1",), organization_id="myorg"))
    with pytest.raises(InputError, match="not valid for Lambda"):
        check_request([_job(layer, "my layer")], PublishOptions(regions=("eu-west-1",)))
    with pytest.raises(InputError, match="must contain {layer}"):
        check_request(
            [_job(layer, "a"), _job(layer, "b")], PublishOptions(regions=("eu-west-1",), ssm_parameter="/layers/arn")
        )
    with pytest.raises(InputError, match="named twice"):
        check_request([_job(layer)], PublishOptions(regions=("eu-west-1", "eu-west-1")))


def test_unknown_region_is_refused_with_one_line():
    with pytest.raises(InputError, match="unknown AWS region 'eu-west-9'"):
        check_regions(("eu-west-1", "eu-west-9"))
    with pytest.raises(InputError, match="name a region"):
        check_regions(())
    check_regions(("us-east-1", "ap-southeast-2", "cn-north-1"))


def test_retries_are_botocores_standard_mode_unless_the_user_chose_another():
    assert retry_config({}, env={}) == {"mode": "standard", "total_max_attempts": 8}
    assert retry_config({}, env={"AWS_RETRY_MODE": "adaptive", "AWS_MAX_ATTEMPTS": "3"}) == {
        "mode": "adaptive",
        "total_max_attempts": 3,
    }
    assert retry_config({"retry_mode": "legacy", "max_attempts": "5"}, env={}) == {
        "mode": "legacy",
        "total_max_attempts": 5,
    }


def _client_error(code: str, message: str = "", status: int = 400):
    from botocore.exceptions import ClientError

    return ClientError(
        {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}},
        "PublishLayerVersion",
    )


def test_aws_refusals_become_one_line_naming_region_and_action():
    denied = explain(
        _client_error("AccessDeniedException", "User: x is not authorized", 403), "eu-west-1", "publishing layer api"
    )
    assert isinstance(denied, AwsError) and denied.exit_code == 2
    assert str(denied).startswith("access denied (AccessDeniedException) in eu-west-1: publishing layer api")
    expired = explain(
        _client_error("ExpiredTokenException", "The security token included in the request is expired", 403),
        "us-east-1",
        "reading",
    )
    assert "credentials are expired or invalid" in str(expired)
    throttled = explain(_client_error("TooManyRequestsException", "Rate exceeded", 429), "us-east-1", "publishing")
    assert "even after retries" in str(throttled)
    assert explain(ValueError("a bug"), "us-east-1", "x") is None
    assert all("\n" not in str(e) for e in (denied, expired, throttled))


def test_missing_credentials_say_how_to_configure_them():
    from botocore.exceptions import NoCredentialsError

    assert "configure a profile" in str(explain(NoCredentialsError(), "eu-west-1", "reading"))


def test_prune_keeps_the_newest_and_every_version_a_function_uses():
    arn = "arn:aws:lambda:eu-west-1:123456789012:layer:api:{}".format
    versions = [(v, arn(v)) for v in (1, 2, 3, 4, 5)]
    fates = decide(versions, keep=2, users={arn(2): ["worker:7", "api"]})
    by_version = {f.version: f for f in fates}
    assert [f.version for f in fates] == [5, 4, 3, 2, 1]
    assert not by_version[5].deleted and not by_version[4].deleted
    assert by_version[4].reason == "among the newest 2"
    assert not by_version[2].deleted and by_version[2].reason == "used by api, worker:7"
    assert by_version[3].deleted and by_version[1].deleted


def test_plan_layers_come_from_the_build_plan_and_zips_resolve_next_to_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "dist"
    out.mkdir()
    (out / "api-python3.12-x86_64.zip").write_bytes(b"")
    plan = out / "plan.json"
    plan.write_text(
        json.dumps(
            {
                "schema_version": 1,
                "layers": [
                    {"name": "api", "zip": "api-python3.12-x86_64.zip", "runtime": "python3.12", "arch": "x86_64"}
                ],
            }
        )
    )
    assert read_plan_file(plan) == [("api", out / "api-python3.12-x86_64.zip", "python3.12", "x86_64")]
    # A plan whose output folder was moved (a CI artifact): the absolute "zip" is gone, "zip_name" is next to it.
    plan.write_text(
        json.dumps(
            {
                "schema_version": 1,
                "layers": [
                    {
                        "name": "api",
                        "zip": "/gone/dist/api-python3.12-x86_64.zip",
                        "zip_name": "api-python3.12-x86_64.zip",
                        "runtime": "python3.12",
                        "arch": "x86_64",
                    }
                ],
            }
        )
    )
    assert read_plan_file(plan)[0][1] == out / "api-python3.12-x86_64.zip"
    with pytest.raises(InputError, match="run `layerbuild build --config …` first"):
        read_plan_file(tmp_path / "missing" / "plan.json")
    plan.write_text("{}")
    with pytest.raises(InputError, match="not a layerbuild plan"):
        read_plan_file(plan)
