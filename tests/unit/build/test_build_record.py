"""The build cache's record: typed, schema-versioned, and read back exactly as written."""

from __future__ import annotations

import json

import pytest

from layerbuild.model.build_record import SCHEMA_VERSION, BuildRecord
from layerbuild.model.removals import Removal
from layerbuild.model.report import BytecodeDetail, ImportCheckSummary


def test_a_record_reads_back_as_written():
    record = BuildRecord(
        sha256="ab" * 32,
        runtime="python3.12",
        arch="x86_64",
        removed=(Removal("tests", "numpy", "numpy/tests/t.py", 10), Removal("strip", "", "x.so", 3)),
        bytecode_mode="alongside",
        bytecode_python="3.12.1",
        bytecode_detail=BytecodeDetail(701, "over the limit", 12, 1000),
        imports_verified=ImportCheckSummary(
            "3.12.1", None, 14, ("a fails",), (), (("psycopg_binary", "psycopg"),), ("google",)
        ),
        built_in_container=("duckdb",),
    )
    assert BuildRecord.from_json(record.to_json()) == record
    assert json.loads(record.to_json())["schema"] == SCHEMA_VERSION


@pytest.mark.parametrize(
    "text",
    [
        '{"sha256": "x", "removed": [["tests", "numpy", "p", 1]]}',  # the untyped meta of earlier versions
        '{"schema": 999, "sha256": "x"}',
        '{"schema": 1, "sha256": "x"}',
        "[]",
    ],
)
def test_a_record_of_another_schema_or_shape_is_refused(text):
    with pytest.raises(ValueError):
        BuildRecord.from_json(text)
