"""A todo API with Powertools: structured logs, EMF metrics, the REST resolver; X-Ray off by env."""

from __future__ import annotations

import os

# X-Ray is off for this function (Tracer still needs aws-xray-sdk, the [tracer] extra); the template would set this in
# the function's environment, the code sets it so that it runs the same anywhere.
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")

from aws_lambda_powertools import Logger, Metrics, Tracer  # noqa: E402
from aws_lambda_powertools.event_handler import APIGatewayRestResolver  # noqa: E402
from aws_lambda_powertools.event_handler.exceptions import NotFoundError  # noqa: E402
from aws_lambda_powertools.metrics import MetricUnit  # noqa: E402
from aws_lambda_powertools.utilities.typing import LambdaContext  # noqa: E402

logger = Logger(service="todos")
tracer = Tracer(service="todos")
metrics = Metrics(namespace="Todos", service="todos")
app = APIGatewayRestResolver()

TODOS = {"1": {"id": "1", "title": "write the handler", "done": True}}


@app.get("/todos")
def list_todos() -> dict:
    metrics.add_metric(name="TodoListed", unit=MetricUnit.Count, value=1)
    return {"todos": list(TODOS.values())}


@app.get("/todos/<todo_id>")
def get_todo(todo_id: str) -> dict:
    todo = TODOS.get(todo_id)
    if todo is None:
        raise NotFoundError(f"todo {todo_id} not found")
    return todo


@app.post("/todos")
def add_todo() -> dict:
    body = app.current_event.json_body
    todo = {"id": str(len(TODOS) + 1), "title": str(body["title"]), "done": False}
    TODOS[todo["id"]] = todo
    logger.info("added", extra={"todo": todo["id"]})
    return todo


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
