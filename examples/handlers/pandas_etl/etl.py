"""Summarise a CSV of sales: from the event's inline `csv`, or from the S3 object an S3 event names.

Returns totals per region and the best product; reads S3 only when the event is an S3 notification.
"""

from __future__ import annotations

import io
import urllib.parse

import boto3
import pandas as pd

s3 = boto3.client("s3")


def _frame(event: dict) -> pd.DataFrame:
    if "csv" in event:
        return pd.read_csv(io.StringIO(event["csv"]))
    record = event["Records"][0]["s3"]
    key = urllib.parse.unquote_plus(record["object"]["key"])
    body = s3.get_object(Bucket=record["bucket"]["name"], Key=key)["Body"].read()
    return pd.read_csv(io.BytesIO(body))


def handler(event: dict, context: object) -> dict:
    sales = _frame(event)
    sales["revenue"] = sales["units"] * sales["price"]
    sales["day"] = pd.to_datetime(sales["date"]).dt.day_name()
    by_region = sales.groupby("region")["revenue"].sum().round(2)
    best = sales.groupby("product")["revenue"].sum().idxmax()
    return {
        "rows": int(len(sales)),
        "revenue_by_region": {k: float(v) for k, v in by_region.items()},
        "best_product": str(best),
        "busiest_day": str(sales.groupby("day")["units"].sum().idxmax()),
    }
