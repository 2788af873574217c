"""`layerbuild audit`'s promises on small packages built by the tests (no index, no network)."""

from __future__ import annotations

import importlib.util
import json
import zipfile

import pytest

from layerbuild.audit.run import audit_package
from layerbuild.audit.settings import Growth, parse_size, settings_from
from layerbuild.errors import InputError
from layerbuild.model.target import Target
from tests.conftest import run_cli
from tests.unit.audit_helpers import layer_zip, wheel

PY311 = Target("python3.11", "x86_64")


def rules(result) -> list[str]:
    return [f.rule for f in result.findings]


def test_a_zip_with_boto3_and_tests_folders_fails_naming_both(tmp_path):
    zip_path = layer_zip(
        tmp_path / "bloated-python3.11-x86_64.zip",
        [
            wheel(tmp_path, "boto3", "1.35.0", {"boto3/__init__.py": "x = 1\n"}),
            wheel(
                tmp_path,
                "simplejson",
                "3.19.3",
                {"simplejson/__init__.py": "x = 1\n", "simplejson/tests/test_dump.py": "def test(): pass\n"},
            ),
        ],
    )
    r = run_cli("audit", str(zip_path))
    assert r.code == 1, r.stderr
    # In a pipe each finding is one line: WHERE: RULE SEVERITY: MESSAGE [rule-name] fix: …
    assert any("LB201 error:" in x and "[runtime-provided]" in x and "boto3 1.35.0" in x for x in r.stdout.splitlines())
    assert any("LB202 " in x and "[tests-shipped]" in x and "simplejson/tests/" in x for x in r.stdout.splitlines())
    assert "from zip name" in r.stdout  # the report says where the target came from
    assert "LB201 runtime-provided" in r.stderr  # the one-line reason for exit 1


def test_a_clean_layer_exits_0(tmp_path):
    zip_path = layer_zip(tmp_path / "ok-python3.11-x86_64.zip", [wheel(tmp_path, "requests", "2.32.3")])
    r = run_cli("audit", str(zip_path))
    assert r.code == 0, r.stdout + r.stderr
    assert "PASS: no findings" in r.stdout


def test_warnings_fail_only_when_fail_on_warning(tmp_path):
    zip_path = layer_zip(
        tmp_path / "t-python3.11-x86_64.zip",
        [wheel(tmp_path, "simplejson", "3.19.3", {"simplejson/__init__.py": "", "simplejson/tests/t.py": ""})],
    )
    assert run_cli("audit", str(zip_path)).code == 0
    strict = run_cli("audit", str(zip_path), "--fail-on", "warning")
    assert strict.code == 1 and "LB202" in strict.stderr


def test_unzipped_budget_and_per_package_budget(tmp_path):
    zip_path = layer_zip(
        tmp_path / "b-python3.11-x86_64.zip",
        [
            wheel(tmp_path, "big", "1.0", {"big/__init__.py": "", "big/data.bin": b"\0" * 300_000}),
            wheel(tmp_path, "small", "1.0"),
        ],
    )
    r = run_cli(
        "audit",
        str(zip_path),
        "--max-unzipped",
        "200KB",
        "--max-package",
        "big=100KB",
        "--max-package",
        "small=1MB",
        "--format",
        "json",
    )
    assert r.code == 1
    found = {f["rule"]: f for f in json.loads(r.stdout)["findings"]}
    assert "LB101" in found and "200.0 KB" in found["LB101"]["message"]
    assert found["LB103"]["package"] == "big"
    assert sum(1 for f in json.loads(r.stdout)["findings"] if f["rule"] == "LB103") == 1


def test_default_budgets_are_lambdas_limits(tmp_path):
    s = settings_from({}, None, None)
    assert s.max_unzipped == 262_144_000 and s.max_zipped == 50 * 1024 * 1024


def test_sizes_and_growth_thresholds_parse_decimal_and_binary_units():
    assert parse_size("250MiB", "x") == 262_144_000
    assert parse_size("50MB", "x") == 50_000_000
    assert parse_size("1.5KB", "x") == 1500
    assert Growth.parse("10%", "x").exceeded(100, 111) and not Growth.parse("10%", "x").exceeded(100, 110)
    assert Growth.parse("5MB", "x").exceeded(0, 5_000_001)
    with pytest.raises(InputError, match="--max-zipped: '50 parsecs' is not a size"):
        parse_size("50 parsecs", "--max-zipped")


def test_baseline_shows_growth_per_package_and_fails_past_the_threshold(tmp_path):
    before = layer_zip(
        tmp_path / "v1" / "app-python3.11-x86_64.zip",
        [
            wheel(
                tmp_path / "1",
                "pandas-lite",
                "1.0",
                {"pandas_lite/__init__.py": "", "pandas_lite/core.bin": b"a" * 100_000},
            ),
            wheel(tmp_path / "1", "tiny", "1.0"),
        ],
    )
    baseline = run_cli("audit", str(before), "--format", "json", "-o", str(tmp_path / "baseline.json"))
    assert baseline.code == 0, baseline.stderr
    after = layer_zip(
        tmp_path / "v2" / "app-python3.11-x86_64.zip",
        [
            wheel(
                tmp_path / "2",
                "pandas-lite",
                "2.0",
                {"pandas_lite/__init__.py": "", "pandas_lite/core.bin": b"a" * 160_000},
            ),
            wheel(tmp_path / "2", "tiny", "1.0"),
            wheel(tmp_path / "2", "newdep", "1.0"),
        ],
    )
    r = run_cli(
        "audit", str(after), "--baseline", str(tmp_path / "baseline.json"), "--max-growth", "20%", "--format", "json"
    )
    assert r.code == 1, r.stderr
    data = json.loads(r.stdout)
    growth = {row["package"]: row for row in data["audit"]["baseline"]["growth"]}
    assert growth["pandas-lite"]["delta"] == 60_000 and growth["pandas-lite"]["percent"] == pytest.approx(59.8, abs=0.5)
    assert growth["tiny"]["delta"] == 0 and growth["newdep"]["before"] is None
    by_rule = {f["rule"]: f for f in data["findings"]}
    assert "LB104" in by_rule and "pandas-lite +60.0 KB" in by_rule["LB104"]["message"]
    assert by_rule["LB105"]["package"] == "pandas-lite"
    assert by_rule["LB106"]["package"] == "newdep"
    # The table shows the same growth to a person.
    table = run_cli("audit", str(after), "--baseline", str(tmp_path / "baseline.json"), "--max-growth", "20%")
    assert "growth since" in table.stdout and "pandas-lite" in table.stdout and "+60.0 KB (+59.7%)" in table.stdout
    # Under the threshold it passes.
    ok = run_cli("audit", str(after), "--baseline", str(tmp_path / "baseline.json"), "--max-growth", "1MB")
    assert ok.code == 0, ok.stdout + ok.stderr


def test_pyc_of_another_python_is_reported_and_sourceless_ones_are_errors(tmp_path):
    magic_312 = (3531).to_bytes(2, "little") + b"\r\n"
    assert magic_312 != importlib.util.MAGIC_NUMBER
    zip_path = layer_zip(
        tmp_path / "p-python3.11-x86_64.zip",
        [
            wheel(
                tmp_path,
                "alongside",
                "1.0",
                {"alongside/__init__.py": "", "alongside/__pycache__/__init__.cpython-312.pyc": magic_312 + bytes(12)},
            ),
            wheel(tmp_path, "sourceless", "1.0", {"sourceless/__init__.pyc": magic_312 + bytes(12)}),
            wheel(
                tmp_path,
                "right",
                "1.0",
                {
                    "right/__init__.py": "",
                    "right/__pycache__/__init__.cpython-311.pyc": importlib.util.MAGIC_NUMBER + bytes(12),
                },
            ),
        ],
    )
    result = audit_package(zip_path, target=PY311, target_source="flags", settings=settings_from({}, None, None))
    pyc = {f.package: f for f in result.findings if f.rule == "LB204"}
    assert set(pyc) == {"alongside", "sourceless"}  # the 3.11 bytecode is what the runtime wants
    assert pyc["sourceless"].severity == "error" and "Python 3.12" in pyc["sourceless"].message
    assert pyc["alongside"].severity == "warning" and "dead weight" in pyc["alongside"].message
    assert not any(f.rule == "LB203" for f in result.findings)  # __pycache__ alone is not a tool cache


def test_tool_caches_are_reported(tmp_path):
    zip_path = layer_zip(
        tmp_path / "c-python3.11-x86_64.zip",
        [wheel(tmp_path, "app", "1.0")],
        extra={"python/.pytest_cache/v/cache/nodeids": b"[]"},
    )
    result = audit_package(zip_path, target=PY311, target_source="flags", settings=settings_from({}, None, None))
    assert [f.file for f in result.findings if f.rule == "LB203"] == ["python/.pytest_cache/"]


def test_packages_in_both_the_function_and_a_layer_and_more_than_five_layers(tmp_path):
    function = layer_zip(
        tmp_path / "fn.zip",
        [wheel(tmp_path / "f", "requests", "2.31.0"), wheel(tmp_path / "f", "attrs", "23.1.0")],
        prefix="",
        extra={"app.py": b"def handler(event, context):\n    return 1\n"},
    )
    layers = [layer_zip(tmp_path / "layer0.zip", [wheel(tmp_path / "l0", "requests", "2.32.3")])]
    layers += [
        layer_zip(tmp_path / f"layer{i}.zip", [wheel(tmp_path / f"l{i}", f"pkg{i}", "1.0")]) for i in range(1, 6)
    ]
    args = [a for layer in layers for a in ("--layer", str(layer))]
    r = run_cli("audit", str(function), "--runtime", "python3.11", "--arch", "x86_64", *args, "--format", "json")
    assert r.code == 1, r.stderr
    data = json.loads(r.stdout)
    dup = [f for f in data["findings"] if f["rule"] == "LB401"]
    assert len(dup) == 1 and "requests" in dup[0]["message"] and "2.31.0 vs 2.32.3" in dup[0]["message"]
    assert any(f["rule"] == "LB402" and "6 layers" in f["message"] for f in data["findings"])
    assert data["audit"]["kind"] == "function" and len(data["audit"]["layers"]) == 6


def test_a_handler_that_creates_a_boto3_client_inside_is_flagged_with_its_line(tmp_path):
    handler = tmp_path / "handler.py"
    handler.write_text(
        "import json\n"
        "import boto3\n"
        "\n"
        "TABLE = boto3.resource('dynamodb').Table('t')  # module level: fine\n"
        "\n"
        "def lambda_handler(event, context):\n"
        "    s3 = boto3.client('s3')\n"
        "    return json.dumps(s3.list_buckets())\n"
    )
    zip_path = layer_zip(tmp_path / "l-python3.11-x86_64.zip", [wheel(tmp_path, "requests", "2.32.3")])
    r = run_cli("audit", str(zip_path), "--handler", str(handler), "--format", "github")
    assert r.code == 0  # a warning by default
    lines = [x for x in r.stdout.splitlines() if "LB501" in x]
    assert len(lines) == 1
    assert lines[0].startswith(f"::warning file={handler},line=7,")
    assert "boto3.client('s3') in lambda_handler()" in lines[0]


def test_the_handler_is_found_in_a_function_folder(tmp_path):
    fn = tmp_path / "fn"
    fn.mkdir()
    (fn / "app.py").write_text("from boto3 import client\n\nasync def handler(event, ctx):\n    c = client('sqs')\n")
    result = audit_package(fn, target=PY311, target_source="flags", settings=settings_from({}, None, None))
    hits = [f for f in result.findings if f.rule == "LB501"]
    assert [(h.file, h.line) for h in hits] == [("app.py", 4)]


def test_config_table_sets_budgets_and_rules_and_flags_win(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.layerbuild.audit]\nmax-unzipped = "1KB"\nignore = ["tests-shipped"]\n'
        'severity = { runtime-provided = "info" }\n'
    )
    zip_path = layer_zip(
        tmp_path / "x-python3.11-x86_64.zip",
        [wheel(tmp_path, "boto3", "1.35.0", {"boto3/__init__.py": "x" * 2000, "boto3/tests/t.py": ""})],
    )
    r = run_cli("audit", str(zip_path), "--format", "json", cwd=tmp_path)
    findings = {f["rule"]: f for f in json.loads(r.stdout)["findings"]}
    assert "LB101" in findings and "LB202" not in findings and findings["LB201"]["severity"] == "info"
    assert r.code == 1  # LB101 over the 1KB budget
    assert run_cli("audit", str(zip_path), "--max-unzipped", "1MB", cwd=tmp_path).code == 0


def test_bad_config_key_is_one_line_naming_key_and_file(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.layerbuild.audit]\nmax-unzip = "1KB"\n')
    zip_path = layer_zip(tmp_path / "x.zip", [wheel(tmp_path, "a", "1.0")])
    r = run_cli("audit", str(zip_path), cwd=tmp_path)
    assert r.code == 2 and "Traceback" not in r.stderr
    assert "pyproject.toml [tool.layerbuild.audit]: unknown key 'max-unzip'" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "args, message",
    [
        (["missing.zip"], "missing.zip does not exist"),
        (["{zip}", "--max-zipped", "lots"], "--max-zipped: 'lots' is not a size"),
        (["{zip}", "--max-package", "numpy"], "write NAME=SIZE"),
        (["{zip}", "--baseline", "nope.json"], "--baseline nope.json does not exist"),
        (["{zip}", "--max-growth", "5%"], "--max-growth needs --baseline"),
        (["{zip}", "--ignore", "LB999"], "unknown rule 'LB999'"),
        (["{zip}", "--handler", "nothere.py"], "nothere.py is not a file"),
        (["{notzip}"], "is not a readable zip"),
    ],
)
def test_bad_input_exits_2_with_one_line(tmp_path, args, message):
    zip_path = layer_zip(tmp_path / "x.zip", [wheel(tmp_path, "a", "1.0")])
    (tmp_path / "notzip.bin").write_bytes(b"\x00\x01 not a zip")
    args = [a.format(zip=zip_path, notzip=tmp_path / "notzip.bin") for a in args]
    r = run_cli("audit", *args, cwd=tmp_path)
    assert r.code == 2, r.stdout + r.stderr
    assert message in r.stderr and len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    assert not r.stdout


def test_baseline_that_is_not_a_report_is_bad_input(tmp_path):
    zip_path = layer_zip(tmp_path / "x.zip", [wheel(tmp_path, "a", "1.0")])
    (tmp_path / "b.json").write_text(json.dumps({"hello": 1}))
    r = run_cli("audit", str(zip_path), "--baseline", str(tmp_path / "b.json"))
    assert r.code == 2 and "has no packages list" in r.stderr


def test_output_file_is_written_whole_and_notes_go_to_stderr(tmp_path):
    zip_path = layer_zip(tmp_path / "x-python3.12-arm64.zip", [wheel(tmp_path, "a", "1.0")])
    out = tmp_path / "reports" / "audit.json"
    r = run_cli("audit", str(zip_path), "--format", "json", "-o", str(out))
    assert r.code == 0 and r.stdout == ""
    data = json.loads(out.read_text())
    assert data["target"] == {"runtime": "python3.12", "arch": "arm64", "glibc": "2.34", "source": "zip name"}
    assert "target: python3.12 arm64" in r.stderr
    assert [p.name for p in out.parent.iterdir()] == ["audit.json"]  # no temp file left


def test_target_from_wheel_tags_when_the_name_says_nothing(tmp_path):
    zip_path = layer_zip(
        tmp_path / "layer.zip",
        [wheel(tmp_path, "native", "1.0", tag="cp312-cp312-manylinux_2_17_aarch64", purelib=False)],
    )
    with zipfile.ZipFile(zip_path) as zf:
        assert "python/native-1.0.dist-info/WHEEL" in zf.namelist()
    r = run_cli("audit", str(zip_path), "--format", "json")
    assert json.loads(r.stdout)["target"]["source"] == "wheel tags"
    assert json.loads(r.stdout)["target"]["runtime"] == "python3.12"


def test_output_to_a_pipe_is_written_through_not_replaced(tmp_path):
    import os
    import stat
    import threading

    zip_path = layer_zip(tmp_path / "x-python3.12-x86_64.zip", [wheel(tmp_path, "a", "1.0")])
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    r = run_cli("audit", str(zip_path), "--format", "json", "-o", str(fifo))
    reader.join(timeout=60)
    assert r.code == 0, r.stderr
    assert stat.S_ISFIFO(fifo.lstat().st_mode)  # like /dev/null: still the special file, not a regular one
    assert json.loads(received[0])["audit"]["exit_code"] == 0
