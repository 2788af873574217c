"""Put an audit's sizes into CloudWatch, so size creep shows on a dashboard next to cold starts.

One `PutMetricData` call in the configured region (profile, AWS_REGION, AWS_ENDPOINT_URL honoured via
`aws/session.py`), dimensioned by layer name, runtime and architecture.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from layerbuild.audit.findings import AuditResult
from layerbuild.aws.errors import explained
from layerbuild.aws.session import AwsSettings, Clients, default_region
from layerbuild.errors import InputError


def metric_data(result: AuditResult) -> list[dict[str, Any]]:
    inv = result.inventory
    name = Path(result.built_zip or result.path).name
    for suffix in (".zip", ".txt", ".in", ".lock"):
        name = name[: -len(suffix)] if name.endswith(suffix) else name
    dims = [{"Name": "Layer", "Value": name or "layer"}]
    if result.target is not None:
        dims += [
            {"Name": "Runtime", "Value": result.target.runtime},
            {"Name": "Architecture", "Value": result.target.arch},
        ]
    counts = result.counts()
    zipped = inv.zip_file_bytes
    values = [
        ("UnzippedBytes", inv.unzipped_bytes, "Bytes"),
        ("ZippedBytes", zipped, "Bytes"),
        ("Files", inv.file_count, "Count"),
        ("AuditErrors", counts["error"], "Count"),
        ("AuditWarnings", counts["warning"], "Count"),
    ]
    if result.layers:
        values.append(("TotalUnzippedBytesWithLayers", result.total_unzipped, "Bytes"))
    return [{"MetricName": m, "Dimensions": dims, "Value": float(v), "Unit": unit} for m, v, unit in values]


def put_size_metrics(result: AuditResult, namespace: str, settings: AwsSettings | None = None) -> int:
    """Returns the number of metrics put."""
    if not namespace or namespace.startswith("AWS/") or len(namespace) > 255:
        raise InputError(f"--cloudwatch-namespace {namespace!r}: use your own namespace (not AWS/…), e.g. Layerbuild")
    settings = settings or AwsSettings()
    region = default_region(settings)
    if not region:
        raise InputError("--cloudwatch-namespace needs a region: set AWS_REGION or a profile region")
    data = metric_data(result)
    with explained(region, f"putting metrics in {namespace}"):
        Clients(settings).get("cloudwatch", region).put_metric_data(Namespace=namespace, MetricData=data)
    return len(data)
