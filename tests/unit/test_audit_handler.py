"""SDK clients created inside the handler are found by `ast`, with their lines; module-level ones are not."""

from __future__ import annotations

from layerbuild.audit.checks.handlers import find_clients_in_handler

SOURCE = """\
import boto3
import boto3.session as bs
from boto3 import resource as make_resource, Session

S3 = boto3.client("s3")                      # module level: reused by warm invocations
SESSION = Session()


def helper():
    return boto3.client("sqs")               # not the handler


def lambda_handler(event, context):
    ddb = make_resource("dynamodb")          # 14
    sts = boto3.Session().client("sts")      # 15
    sns = SESSION.client("sns")              # 16
    other = bs.Session(region_name="eu-west-1").resource("s3")  # 17
    def inner():
        return boto3.client("kms")           # 19: runs on every invocation too
    return S3, ddb, sts, sns, other, inner()
"""


def test_every_client_made_in_the_handler_is_found_with_its_line():
    hits = find_clients_in_handler(SOURCE, "app.py")
    assert [(h.line, h.function) for h in hits] == [
        (14, "lambda_handler"),
        (15, "lambda_handler"),
        (16, "lambda_handler"),
        (17, "lambda_handler"),
        (19, "lambda_handler"),
    ]
    assert hits[0].call == "make_resource('dynamodb')"


def test_a_named_handler_is_the_only_one_checked():
    assert [h.line for h in find_clients_in_handler(SOURCE, "app.py", "helper")] == [10]


def test_code_without_boto3_or_that_does_not_parse_is_skipped():
    assert find_clients_in_handler("def handler(event, context):\n    client('s3')\n", "a.py") == []
    assert find_clients_in_handler("def handler(:\n", "a.py") == []


def test_a_function_taking_event_and_context_is_a_handler_whatever_its_name():
    src = "import boto3\n\ndef process(event, context):\n    return boto3.resource('s3')\n"
    assert [h.line for h in find_clients_in_handler(src, "a.py")] == [4]
