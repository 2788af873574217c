import attrs
import requests


@attrs.define
class Order:
    id: str


def handler(event, context):
    return [Order(r["messageId"]).id for r in event.get("Records", [])] + [requests.__version__]
