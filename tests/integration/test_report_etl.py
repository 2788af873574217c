"""`layerbuild report` on the real `etl` sample layer (numpy, pandas, requests for python3.11)."""

from __future__ import annotations

import json
import re
import zipfile
from collections import Counter
from pathlib import Path

import pytest

from ..conftest import ROOT, SAMPLES, python_for, run_cli
from ..fixtures.browser import png_pixels

pytestmark = pytest.mark.network


@pytest.fixture(scope="module")
def etl_zip(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("etl")
    cache = tmp_path_factory.mktemp("etl-cache")
    result = run_cli(
        "build",
        str(SAMPLES / "etl" / "requirements.txt"),
        "--runtime",
        "python3.11",
        "-o",
        str(out),
        env={"LAYERBUILD_CACHE_DIR": str(cache)},
    )
    assert result.code == 0, result.stderr
    return out / "etl-python3.11-x86_64.zip"


@pytest.fixture(scope="module")
def etl_json(etl_zip) -> dict:
    result = run_cli("report", str(etl_zip), "--format", "json", "--runs", "3")
    assert result.code == 0, result.stderr
    return json.loads(result.stdout)


def test_report_lists_numpy_and_pandas_with_sizes_that_add_up_to_the_zip(etl_zip, etl_json):
    packages = {p["name"]: p for p in etl_json["packages"]}
    assert {"numpy", "pandas"} <= packages.keys()
    assert packages["numpy"]["version"] and packages["pandas"]["native_libs"] > 0
    # Totals read independently of layerbuild: the zip file's size and its entries' sizes.
    with zipfile.ZipFile(etl_zip) as zf:
        unzipped = sum(i.file_size for i in zf.infolist() if not i.is_dir())
    archive = etl_zip.stat().st_size
    assert sum(p["unzipped_bytes"] for p in packages.values()) == unzipped == etl_json["layer"]["unzipped_bytes"]
    zipped = sum(p["zipped_bytes"] for p in packages.values())
    assert abs(zipped - archive) / archive <= 0.01
    assert etl_json["layer"]["archive_bytes"] == archive
    assert etl_json["target"] == {"runtime": "python3.11", "arch": "x86_64", "glibc": "2.26", "source": "zip name"}
    # The build's report.json beside the zip says what was removed (the runtime's boto3 family).
    assert {r["package"] for r in etl_json["removed"]} >= {"boto3", "botocore"}


def test_numpy_and_pandas_import_times_are_measured_on_python311(etl_json):
    if python_for("3.11") is None:
        pytest.skip("no python3.11 interpreter on this machine")
    packages = {p["name"]: p for p in etl_json["packages"]}
    cold = etl_json["cold_start"]
    assert cold["measured"] and cold["python"].startswith("3.11") and cold["runs"] == 3
    assert packages["numpy"]["import_ms"] > 0 and packages["pandas"]["import_ms"] > 0
    # pandas imports numpy: alone it costs at least what numpy costs... give or take the noise of 3 runs.
    assert packages["pandas"]["import_ms"] > 0.5 * packages["numpy"]["import_ms"]
    assert {(e["memory_mb"], e["arch"]) for e in cold["estimates"]} == {
        (m, a) for m in (128, 256, 512, 1024, 1769, 3008) for a in ("x86_64", "arm64")
    }


@pytest.mark.browser
def test_html_report_opens_offline_in_headless_chromium_and_shows_the_treemap(etl_zip, chromium, tmp_path):
    page = tmp_path / "etl-report.html"
    result = run_cli("report", str(etl_zip), "--format", "html", "-o", str(page), "--runs", "1")
    assert result.code == 0, result.stderr
    dom = chromium.dump_dom(page)
    # The treemap was drawn by the page's own script (data-rendered counts the boxes), with labels.
    svg = re.search(r'<svg id="treemap"[^>]*data-rendered="(\d+)"[^>]*>(.*?)</svg>', dom, re.S)
    assert svg, "the treemap script did not run"
    assert int(svg.group(1)) > 100 and svg.group(2).count("<rect") == int(svg.group(1))
    labels = re.findall(r"<text[^>]*>([^<]*)</text>", svg.group(2))
    assert any(t.startswith("numpy") for t in labels) and any(t.startswith("pandas") for t in labels)
    assert "import-chart" in dom and "cost-table" in dom
    shot_path = ROOT / "artifacts" / "report-etl.png"
    shot = chromium.screenshot(page, shot_path)
    width, height, pixels = png_pixels(shot)
    assert (width, height) == (1280, 1700)
    colours = Counter(pixels)
    background, most = colours.most_common(1)[0]
    assert len(colours) > 50, "the screenshot is (nearly) one colour"
    assert 1 - most / len(pixels) > 0.3, (
        f"only {1 - most / len(pixels):.0%} of the screenshot differs from {background}"
    )
