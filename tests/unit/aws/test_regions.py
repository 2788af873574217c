"""Every AWS command works region by region through one fan-out and explains AWS failures one way."""

from __future__ import annotations

import threading

import pytest

from layerbuild.aws.errors import AwsError, explained
from layerbuild.aws.regions import first_unexpected, in_every_region
from layerbuild.errors import InputError, LayerbuildError


def _client_error(code: str, status: int):
    import botocore.exceptions

    return botocore.exceptions.ClientError(
        {"Error": {"Code": code, "Message": "no"}, "ResponseMetadata": {"HTTPStatusCode": status}}, "Op"
    )


def test_results_and_failures_come_back_in_the_order_the_regions_were_named():
    regions = ("us-east-1", "eu-west-1", "ap-south-1", "eu-central-1")
    barrier = threading.Barrier(len(regions), timeout=10)  # every region runs at the same time

    def work(region: str) -> str:
        barrier.wait()
        if region.startswith("eu"):
            raise InputError(f"{region} refused")
        return region.upper()

    results, failures = in_every_region(regions, work)
    assert list(results) == ["us-east-1", "ap-south-1"] and results["us-east-1"] == "US-EAST-1"
    assert list(failures) == ["eu-west-1", "eu-central-1"]
    assert first_unexpected(failures, LayerbuildError) is None


def test_a_bug_in_one_region_is_told_apart_from_expected_failures():
    _, failures = in_every_region(("a-1", "b-1"), lambda r: 1 / 0 if r == "b-1" else r)
    assert isinstance(first_unexpected(failures, LayerbuildError), ZeroDivisionError)


def test_explained_turns_an_aws_refusal_into_one_line_naming_region_and_action():
    with pytest.raises(AwsError, match=r"^access denied \(AccessDenied\) in eu-west-1: pruning layer api"):
        with explained("eu-west-1", "pruning layer api"):
            raise _client_error("AccessDenied", 403)


def test_explained_lets_our_own_errors_and_bugs_through_unchanged():
    with pytest.raises(InputError, match="ours"):
        with explained("eu-west-1", "x"):
            raise InputError("ours")
    with pytest.raises(KeyError):
        with explained("eu-west-1", "x"):
            raise KeyError("a bug keeps its traceback")
