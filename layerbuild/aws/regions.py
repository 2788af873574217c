"""Regions: refused before any call when unknown, then worked on all at once.

Every AWS command here works region by region (a layer version lives in one region): `check_regions`
refuses a typo before anything is done anywhere, `in_every_region` runs one function per region in
parallel and hands back results and failures separately, in the order the regions were named, so the
caller can say what was done where.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

from layerbuild.errors import InputError

T = TypeVar("T")
_REGION_SHAPE = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")
MAX_THREADS = 8


def known_regions() -> set[str]:
    import boto3

    session = boto3.session.Session()
    regions: set[str] = set()
    for partition in session.get_available_partitions():
        regions.update(session.get_available_regions("lambda", partition_name=partition))
    return regions


def check_regions(regions: tuple[str, ...]) -> None:
    """Refuse an unknown region before any call, so nothing is half-done because of a typo."""
    if not regions:
        raise InputError("name a region: --region eu-west-1 (or set AWS_REGION / a profile region)")
    known = known_regions()
    for region in regions:
        if region not in known:
            hint = "" if _REGION_SHAPE.match(region) else " (regions look like eu-west-1)"
            raise InputError(f"unknown AWS region {region!r}{hint}: pass a Lambda region; if it is new, upgrade boto3")


def in_every_region(regions: tuple[str, ...], work: Callable[[str], T]) -> tuple[dict[str, T], dict[str, Exception]]:
    """work(region) for every region at once: (results, failures), each keyed by region in region order."""
    from concurrent.futures import ThreadPoolExecutor

    results: dict[str, T] = {}
    failures: dict[str, Exception] = {}
    with ThreadPoolExecutor(max_workers=max(1, min(MAX_THREADS, len(regions)))) as pool:
        futures = {region: pool.submit(work, region) for region in regions}
        for region, future in futures.items():
            try:
                results[region] = future.result()
            except Exception as exc:  # noqa: BLE001 - collected; the caller reports them together
                failures[region] = exc
    return results, failures


def first_unexpected(failures: dict[str, Exception], expected: type[Exception]) -> Exception | None:
    """The first failure that is not of the `expected` kind (a bug, to be raised as it is), if any."""
    return next((exc for exc in failures.values() if not isinstance(exc, expected)), None)
