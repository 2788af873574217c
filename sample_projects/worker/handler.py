"""Worker function: process SQS messages, retrying the upstream call."""

import os

import orjson
import requests
from pydantic import BaseModel
from tenacity import retry, stop_after_attempt, wait_exponential

_session = requests.Session()


class Job(BaseModel):
    id: str
    payload: dict


@retry(stop=stop_after_attempt(3), wait=wait_exponential(multiplier=0.2))
def _deliver(job: Job) -> None:
    _session.post(os.environ.get("TARGET_URL", "https://example.invalid/jobs"), data=orjson.dumps(job.model_dump()),
                  timeout=5).raise_for_status()


def handler(event, context):
    for record in event.get("Records", []):
        _deliver(Job.model_validate(orjson.loads(record["body"])))
    return {"processed": len(event.get("Records", []))}
