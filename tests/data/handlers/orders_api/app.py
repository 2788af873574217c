"""An order-validation API handler as a user writes it: pydantic models, requests for a webhook, and a
boto3 client created once at module scope (the runtime's boto3)."""

import json
import os

import boto3
import requests
from pydantic import BaseModel, Field

TABLE = os.environ.get("ORDERS_TABLE", "orders")
dynamodb = boto3.client("dynamodb")
session = requests.Session()


class Line(BaseModel):
    sku: str
    qty: int = Field(gt=0)


class Order(BaseModel):
    order_id: str
    lines: list[Line]


def handler(event, context):
    order = Order.model_validate(json.loads(event.get("body") or "{}"))
    return {"statusCode": 200, "body": json.dumps({"order": order.order_id, "lines": len(order.lines),
                                                   "memory": context.memory_limit_in_mb})}
