"""Packages the Lambda Python runtime already provides, so a layer need not ship them.

Source: AWS docs "Building Lambda functions with Python" — the runtime includes the AWS SDK for
Python (boto3) and its dependencies; `python -c 'import boto3, botocore, s3transfer, jmespath'` works
in every managed python3.x runtime. Their own dependencies (python-dateutil, six, urllib3) are in the
runtime too, but a layer keeps them when another package of the layer needs them, because the
runtime's copies are pinned to the SDK's needs, not to other packages' (see
`resolve/runtime_provided.py`). A kept copy shadows the runtime's for the runtime's SDK too:
`runtime_sdk.py` holds the SDK versions and the ranges they declare, and `measure/runtime_sdk.py` names a
kept copy outside them (build warning, audit LB403).
"""

RUNTIME_PROVIDED: frozenset[str] = frozenset({"boto3", "botocore", "s3transfer", "jmespath"})

REMOVAL_RULE = "runtime-provided"
