"""Every audit format renders findings with rule, severity, message, location and fix, in its CI's dialect."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from layerbuild.audit.formats import FORMATS, get_format
from layerbuild.audit.rules import RULES
from layerbuild.audit.run import audit_package
from layerbuild.audit.settings import settings_from
from layerbuild.model.target import Target
from tests.conftest import run_cli
from tests.unit.audit_helpers import aarch64_elf, layer_zip, wheel

SCHEMA = json.loads((Path(__file__).parent.parent / "data" / "sarif-schema-2.1.0.json").read_text())


@pytest.fixture
def bloated(tmp_path):
    """A layer with an error (boto3), a warning (tests/), an aarch64 .so, and a handler finding with a line."""
    zip_path = layer_zip(
        tmp_path / "bloated layer-python3.12-x86_64.zip",
        [
            wheel(tmp_path, "boto3", "1.35.0", {"boto3/__init__.py": "x = 1\n"}),
            wheel(
                tmp_path,
                "fast",
                "1.0",
                {"fast/__init__.py": "", "fast/tests/test_x.py": "", "fast/_x.abi3.so": aarch64_elf()},
            ),
        ],
    )
    handler = tmp_path / "handler.py"
    handler.write_text("import boto3\n\ndef handler(event, context):\n    return boto3.client('s3')\n")
    return zip_path, handler


def _validator():
    return jsonschema.Draft7Validator(SCHEMA, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)


def test_sarif_output_validates_against_the_sarif_2_1_0_schema(bloated):
    zip_path, handler = bloated
    r = run_cli("audit", str(zip_path), "--handler", str(handler), "--format", "sarif")
    assert r.code == 1
    log = json.loads(r.stdout)
    errors = sorted(_validator().iter_errors(log), key=str)
    assert not errors, [e.message for e in errors]
    run = log["runs"][0]
    results = {res["ruleId"]: res for res in run["results"]}
    assert set(results) >= {"LB201", "LB202", "LB301", "LB501"}
    assert results["LB201"]["level"] == "error" and results["LB202"]["level"] == "warning"
    assert results["LB501"]["locations"][0]["physicalLocation"]["region"] == {"startLine": 4}
    assert results["LB301"]["properties"]["packagePath"] == "python/fast/_x.abi3.so"
    assert "%20" in results["LB301"]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    rules = run["tool"]["driver"]["rules"]
    for res in run["results"]:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]


def test_a_clean_sarif_log_is_valid_too(tmp_path):
    zip_path = layer_zip(tmp_path / "ok-python3.12-x86_64.zip", [wheel(tmp_path, "requests", "2.32.3")])
    r = run_cli("audit", str(zip_path), "--format", "sarif")
    assert r.code == 0
    log = json.loads(r.stdout)
    assert not list(_validator().iter_errors(log)) and log["runs"][0]["results"] == []


def test_the_schema_check_can_fail():
    # The validator does reject a malformed log: the test above is not vacuous.
    bad = {
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "x"}},
                "results": [{"ruleId": "LB201", "level": "fatal", "message": {"text": "m"}}],
            }
        ],
    }
    assert list(_validator().iter_errors(bad))


def test_github_annotations_carry_file_line_title_and_fix(bloated):
    zip_path, handler = bloated
    r = run_cli("audit", str(zip_path), "--handler", str(handler), "--format", "github")
    lines = r.stdout.splitlines()
    assert any(x.startswith(f"::error file={zip_path},title=LB201 runtime-provided::boto3 1.35.0") for x in lines)
    warning = next(x for x in lines if "LB501" in x)
    assert warning.startswith(f"::warning file={handler},line=4,title=LB501 sdk-client-in-handler::")
    assert "Fix: Create the client once at module level" in warning
    assert lines[-1].startswith("FAIL:")


def test_github_annotation_escaping_follows_the_actions_toolkit():
    from layerbuild.audit.formats.github import _data, _prop

    assert _data("50% done\nnext") == "50%25 done%0Anext"
    assert _prop("a:b,c") == "a%3Ab%2Cc"


def test_junit_has_one_case_per_rule_and_fails_those_at_the_threshold(bloated):
    zip_path, handler = bloated
    r = run_cli("audit", str(zip_path), "--handler", str(handler), "--format", "junit")
    root = ET.fromstring(r.stdout)
    suite = root.find("testsuite")
    cases = {c.get("name").split()[0]: c for c in suite.findall("testcase")}
    assert set(cases) == set(RULES)
    assert cases["LB201"].find("failure") is not None and "boto3" in cases["LB201"].find("failure").text
    assert cases["LB301"].find("failure") is not None
    assert cases["LB202"].find("failure") is None and "fast/tests/" in cases["LB202"].find("system-out").text
    assert suite.get("failures") == str(sum(1 for c in cases.values() if c.find("failure") is not None))


def test_markdown_is_appended_to_the_github_step_summary(bloated, tmp_path):
    zip_path, _ = bloated
    summary = tmp_path / "summary.md"
    summary.write_text("# earlier step\n")
    r = run_cli(
        "audit",
        str(zip_path),
        "--format",
        "sarif",
        "-o",
        str(tmp_path / "a.sarif"),
        env={"GITHUB_STEP_SUMMARY": str(summary)},
    )
    assert r.code == 1
    text = summary.read_text()
    assert text.startswith("# earlier step\n")  # appended, not overwritten
    assert "## layerbuild audit" in text and "| ❌ error | LB201 runtime-provided |" in text
    md = run_cli("audit", str(zip_path), "--format", "markdown")
    assert "**FAIL:" in md.stdout and "LB301 elf-wrong-arch" in md.stdout


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_every_format_renders_a_clean_audit(tmp_path, name):
    zip_path = layer_zip(tmp_path / "ok-python3.12-x86_64.zip", [wheel(tmp_path, "requests", "2.32.3")])
    result = audit_package(
        zip_path, target=Target("python3.12", "x86_64"), target_source="flags", settings=settings_from({}, None, None)
    )
    text = get_format(name).render(result)
    assert text.strip()
