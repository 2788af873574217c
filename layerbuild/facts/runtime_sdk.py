"""The AWS SDK each Lambda Python runtime ships, and what that SDK declares it needs. Facts are data:
`measure/runtime_sdk.py` judges which packages of a layer replace what the SDK needs with a version it
does not accept.

Why. Lambda's `sys.path` is the function (`/var/task`), the layers (`/opt/python`, then
`/opt/python/lib/pythonX.Y/site-packages`), then the runtime's own packages (its boto3), then the
standard library. A package in a layer therefore replaces the runtime's copy for every import,
including the runtime's boto3 and botocore: pandas 3 pulls python-dateutil 4.0.0 into a layer, and the
runtime's botocore, which declares `python-dateutil<3.0.0,>=2.1`, then runs with 4.0.0. Where the layer
ships boto3 or botocore itself (`--keep-runtime-packages`), the runtime's copy is never imported and its
requirements do not apply: the layer's own resolve already saw the layer's SDK's needs.

Which versions each runtime ships. Source: AWS docs, "Building Lambda functions with Python",
section "Runtime-included SDK versions"
(https://docs.aws.amazon.com/lambda/latest/dg/lambda-python.html#python-sdk-included), read
2026-12-01. The page no longer lists a version per runtime: it says the version "depends on the runtime
version and your AWS Region" and gives a handler that prints `boto3.__version__` and
`botocore.__version__`. The versions below are therefore the newest this table's author knows the
managed runtimes to ship, not read from a live function (`SDK_VERSIONS_CONFIRMED`); update them from
that handler's output. The check depends on the declared ranges, and those are stable: the
python-dateutil, jmespath and urllib3 ranges below are the same in botocore 1.44.8, the newest on the
index on 2026-12-01, so a Region whose runtime carries a newer botocore is judged the same way.

What each declares. Source: `Requires-Dist` of the real wheels' METADATA, downloaded from the package
index on 2026-12-01 (boto3-1.40.4, botocore-1.40.4, s3transfer-0.13.1, python_dateutil-2.9.0.post0;
jmespath, urllib3 and six declare nothing). Markers are kept: botocore's urllib3 range differs below and
from Python 3.10. Extras (`crt`) are left out: the runtime does not install them. The versions of
jmespath, python-dateutil, urllib3 and six in the runtime are named only in messages; no range depends
on them except python-dateutil's own `six>=1.5`.
"""

from __future__ import annotations

SDK_SOURCE = "https://docs.aws.amazon.com/lambda/latest/dg/lambda-python.html#python-sdk-included"
SDK_AS_OF = "2026-12-01"
SDK_VERSIONS_CONFIRMED = False  # see the module docstring: AWS publishes no per-runtime table any more

_SDK_2025 = {
    "boto3": "1.40.4",
    "botocore": "1.40.4",
    "s3transfer": "0.13.1",
    "jmespath": "1.0.1",
    "python-dateutil": "2.9.0.post0",
    "urllib3": "1.26.20",
    "six": "1.17.0",
}
# runtime -> distribution -> version the runtime ships in /var/runtime
RUNTIME_SDK: dict[str, dict[str, str]] = {
    "python3.10": dict(_SDK_2025),
    "python3.11": dict(_SDK_2025),
    "python3.12": dict(_SDK_2025),
    "python3.13": dict(_SDK_2025),
    "python3.14": dict(_SDK_2025),
}

# (distribution, version) -> its Requires-Dist, as the wheel's METADATA writes them (extras left out)
REQUIREMENTS: dict[tuple[str, str], tuple[str, ...]] = {
    ("boto3", "1.40.4"): ("botocore<1.41.0,>=1.40.4", "jmespath<2.0.0,>=0.7.1", "s3transfer<0.14.0,>=0.13.0"),
    ("botocore", "1.40.4"): (
        "jmespath<2.0.0,>=0.7.1",
        "python-dateutil<3.0.0,>=2.1",
        'urllib3<1.27,>=1.25.4; python_version < "3.10"',
        'urllib3!=2.2.0,<3,>=1.25.4; python_version >= "3.10"',
    ),
    ("s3transfer", "0.13.1"): ("botocore<2.0a.0,>=1.37.4",),
    ("python-dateutil", "2.9.0.post0"): ("six>=1.5",),
    ("jmespath", "1.0.1"): (),
    ("urllib3", "1.26.20"): (),
    ("six", "1.17.0"): (),
}
