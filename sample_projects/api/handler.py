"""API function: validate the request body and fetch a quote from an upstream service."""

import json
import os

import boto3
import jwt
import requests
from pydantic import BaseModel, ValidationError

# Created once per execution environment, not per invocation (cold-start friendly).
_dynamodb = boto3.resource("dynamodb")
_session = requests.Session()


class QuoteRequest(BaseModel):
    symbol: str
    quantity: int = 1


def handler(event, context):
    try:
        request = QuoteRequest.model_validate_json(event.get("body") or "{}")
    except ValidationError as exc:
        return {"statusCode": 400, "body": exc.json()}
    upstream = os.environ.get("QUOTE_URL", "https://example.invalid/quote")
    price = _session.get(upstream, params={"symbol": request.symbol}, timeout=5).json()["price"]
    token = jwt.encode({"symbol": request.symbol}, os.environ.get("SIGNING_KEY", "dev"), algorithm="HS256")
    return {"statusCode": 200, "body": json.dumps({"total": price * request.quantity, "token": token})}
