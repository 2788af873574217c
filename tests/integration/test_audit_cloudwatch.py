"""`audit --cloudwatch-namespace` puts the layer's sizes as CloudWatch metrics (on a real moto server)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import run_cli
from tests.unit.audit_helpers import layer_zip, wheel

pytestmark = pytest.mark.aws


def test_layer_sizes_are_put_as_cloudwatch_metrics(aws_env, tmp_path):
    import boto3

    zip_path = layer_zip(
        tmp_path / "api-python3.12-arm64.zip",
        [wheel(tmp_path, "requests", "2.32.3", {"requests/__init__.py": "x" * 5000})],
    )
    r = run_cli("audit", str(zip_path), "--cloudwatch-namespace", "Layerbuild/Test", env=aws_env)
    assert r.code == 0, r.stderr
    cw = boto3.client("cloudwatch", region_name="us-east-1")
    metrics = cw.list_metrics(Namespace="Layerbuild/Test")["Metrics"]
    names = {m["MetricName"] for m in metrics}
    assert {"UnzippedBytes", "ZippedBytes", "Files", "AuditErrors", "AuditWarnings"} <= names
    dims = {d["Name"]: d["Value"] for d in metrics[0]["Dimensions"]}
    assert dims == {"Layer": "api-python3.12-arm64", "Runtime": "python3.12", "Architecture": "arm64"}
    now = dt.datetime.now(dt.timezone.utc)
    stats = cw.get_metric_statistics(
        Namespace="Layerbuild/Test",
        MetricName="UnzippedBytes",
        Dimensions=metrics[0]["Dimensions"],
        StartTime=now - dt.timedelta(hours=1),
        EndTime=now + dt.timedelta(minutes=5),
        Period=60,
        Statistics=["Maximum"],
    )
    from layerbuild.measure.inventory import inventory_of_zip

    assert stats["Datapoints"][0]["Maximum"] == inventory_of_zip(zip_path).unzipped_bytes


def test_an_aws_namespace_is_refused(aws_env, tmp_path):
    zip_path = layer_zip(tmp_path / "x.zip", [wheel(tmp_path, "a", "1.0")])
    r = run_cli("audit", str(zip_path), "--cloudwatch-namespace", "AWS/Lambda", env=aws_env)
    assert r.code == 2 and "use your own namespace" in r.stderr
