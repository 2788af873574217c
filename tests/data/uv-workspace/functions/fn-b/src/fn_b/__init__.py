import yaml
from shared import Order


def handler(event, context):
    return yaml.safe_dump({"id": event["id"]})

