"""Reading uv's lock output, and dropping what the Lambda runtime provides by the dependency graph."""

from layerbuild.facts.runtime_packages import RUNTIME_PROVIDED
from layerbuild.model.lock import Lock
from layerbuild.model.target import Target
from layerbuild.resolve.lockfile import lock_text, parse_lock_text
from layerbuild.resolve.runtime_provided import runtime_provided_closure

UV_OUTPUT = """\
boto3==1.35.0 \\
    --hash=sha256:aaa
    # via -r requirements.txt
botocore==1.35.0 \\
    --hash=sha256:bbb
    # via
    #   boto3
    #   s3transfer
jmespath==1.0.1 \\
    --hash=sha256:ccc
    # via
    #   boto3
    #   botocore
python-dateutil==2.9.0.post0 \\
    --hash=sha256:ddd
    # via botocore
s3transfer==0.10.0 \\
    --hash=sha256:eee
    # via boto3
six==1.16.0 \\
    --hash=sha256:fff
    # via python-dateutil
requests==2.32.3 \\
    --hash=sha256:111
    # via -r requirements.txt
urllib3==2.2.3 \\
    --hash=sha256:222 \\
    --hash=sha256:333
    # via
    #   botocore
    #   requests
"""


def _lock(text: str) -> Lock:
    pins, _ = parse_lock_text(text)
    return Lock(Target("python3.12", "x86_64"), tuple(pins))


def test_pins_hashes_and_via_annotations_are_read():
    lock = _lock(UV_OUTPUT)
    urllib3 = lock.get("urllib3")
    assert urllib3.version == "2.2.3"
    assert urllib3.hashes == ("sha256:222", "sha256:333")
    assert urllib3.required_by == ("botocore", "requests")
    assert not urllib3.direct
    assert lock.get("requests").direct and lock.get("boto3").direct


def test_boto3_is_removed_but_urllib3_kept_when_requests_needs_it():
    drop = runtime_provided_closure(_lock(UV_OUTPUT), RUNTIME_PROVIDED)
    assert {"boto3", "botocore", "s3transfer", "jmespath"} <= drop
    assert "urllib3" not in drop and "requests" not in drop


def test_python_dateutil_goes_when_only_botocore_needed_it():
    drop = runtime_provided_closure(_lock(UV_OUTPUT), RUNTIME_PROVIDED)
    assert {"python-dateutil", "six"} <= drop


def test_python_dateutil_stays_when_pandas_needs_it_too():
    text = UV_OUTPUT.replace("    # via botocore\n", "    # via\n    #   botocore\n    #   pandas\n") + (
        "pandas==2.2.3 \\\n    --hash=sha256:444\n    # via -r requirements.txt\n"
    )
    drop = runtime_provided_closure(_lock(text), RUNTIME_PROVIDED)
    assert "python-dateutil" not in drop and "six" not in drop
    assert "botocore" in drop


def test_a_runtime_dependency_the_user_lists_directly_is_kept():
    text = UV_OUTPUT.replace("    # via -r requirements.txt\nrequests", "    # via -r requirements.txt\nrequests")
    text = text.replace(
        "    # via python-dateutil\n", "    # via\n    #   -r requirements.txt\n    #   python-dateutil\n"
    )
    drop = runtime_provided_closure(_lock(text), RUNTIME_PROVIDED)
    assert "six" not in drop


def test_lock_text_round_trips_with_target_header():
    lock = _lock(UV_OUTPUT)
    again, header = parse_lock_text(lock_text(lock))
    assert header == {"runtime": "python3.12", "arch": "x86_64", "wheels": "checked"}
    assert {(p.name, p.version, p.hashes, p.required_by, p.direct) for p in again} == {
        (p.name, p.version, p.hashes, p.required_by, p.direct) for p in lock.pins
    }
