"""The typed LayerReport becomes the same versioned JSON the untyped one did: build-only fields at the top
level after `findings`, only when a build made the report; removals summed per (rule, package)."""

from __future__ import annotations

import json

from layerbuild.model.inventory import Inventory
from layerbuild.model.removals import Removal
from layerbuild.model.report import (
    BuildSummary,
    BytecodeDetail,
    ImportCheckSummary,
    LayerReport,
    ReportFinding,
    removed_rows,
)
from layerbuild.report.formats.json import report_dict, report_json
from layerbuild.report.sidecar import write_report_json

EMPTY = Inventory(root="x", distributions=(), files=())


def test_removals_are_summed_per_rule_and_package_in_that_order():
    rows = removed_rows(
        [Removal("tests", "pandas", "a", 10), Removal("docs", "", "b", 1), Removal("tests", "pandas", "c", 5)]
    )
    assert [(r.rule, r.package, r.files, r.bytes) for r in rows] == [("docs", "", 1, 1), ("tests", "pandas", 2, 15)]


def test_a_report_of_any_zip_has_no_build_only_fields():
    data = report_dict(LayerReport(inventory=EMPTY, target=None))
    assert list(data)[-1] == "findings"
    assert data["bytecode"] == {"mode": "none", "python": None}
    assert not {"cached", "built_in_container", "imports_verified"} & data.keys()


def test_a_builds_report_carries_cache_container_and_import_check_after_the_findings():
    check = ImportCheckSummary(
        "3.11.7", None, 3, failures=("a fails",), imported_after=(("b", "a"),), skipped_modules=("c",)
    )
    report = LayerReport(
        inventory=EMPTY,
        target=None,
        bytecode_mode="alongside",
        bytecode_detail=BytecodeDetail(12, reason="budget", sources_without_pyc=4, budget_bytes=100),
        findings=(ReportFinding("LB201", "runtime-provided", "warning", "boto3 ships"),),
        build=BuildSummary(cached=True, built_in_container=("duckdb",), imports_verified=check),
    )
    data = report_dict(report)
    assert list(data)[-4:] == ["findings", "cached", "built_in_container", "imports_verified"]
    assert data["cached"] is True and data["built_in_container"] == ["duckdb"]
    assert data["imports_verified"] == {
        "python": "3.11.7",
        "skipped": None,
        "modules": 3,
        "failures": ["a fails"],
        "warnings": [],
        "imported_after": {"b": "a"},
        "skipped_modules": ["c"],
    }
    assert data["bytecode"] == {
        "mode": "alongside",
        "python": None,
        "pyc_files": 12,
        "reason": "budget",
        "sources_without_pyc": 4,
        "budget_bytes": 100,
    }
    assert list(data["findings"][0]) == ["rule", "name", "severity", "message", "file", "line", "package", "fix"]


def test_report_json_on_disk_is_what_the_json_format_prints(tmp_path):
    from layerbuild.report import get_format

    report = LayerReport(inventory=EMPTY, target=None, build=BuildSummary(cached=False))
    write_report_json(report, tmp_path / "x.report.json")
    text = (tmp_path / "x.report.json").read_text()
    assert text == report_json(report) == get_format("json").render(report)
    assert json.loads(text)["imports_verified"] is None
