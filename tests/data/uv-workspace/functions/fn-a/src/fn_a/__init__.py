import requests
from shared import Order


def handler(event, context):
    return Order(id=event["id"], total_cents=0)

