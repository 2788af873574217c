"""Cold-start cost: the model's arithmetic, and import times measured in a fresh interpreter with only the layer."""

from __future__ import annotations

import json
import platform
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from layerbuild.errors import InputError
from layerbuild.measure.coldstart import measure_imports, parse_importtime
from layerbuild.measure.cost_model import estimate, parse_memory_list
from layerbuild.measure.inventory import inventory_of
from layerbuild.model.target import RUNTIMES, Target
from layerbuild.report import get_format
from layerbuild.report.assemble import report_for_path
from layerbuild.util.interpreters import find_interpreter

from ..conftest import make_wheel, run_cli


def test_memory_cost_row_for_128_mb_x86_64_matches_a_hand_calculation():
    # By hand, for a layer whose imports take 500 ms on one full vCPU:
    #   at 128 MB Lambda gives 128/1769 of a vCPU, so the imports take 500 × 1769/128 = 6910.15625 ms;
    #   billed in whole ms: 6911 ms = 6.911 s; memory 128/1024 = 0.125 GB;
    #   6.911 s × 0.125 GB × $0.0000166667 per GB-s = $0.00001439794... per cold start
    #   × 1,000,000 cold starts = $14.3979...
    row = next(e for e in estimate(500.0, (128, 1769)) if e.memory_mb == 128 and e.arch == "x86_64")
    assert row.init_ms == pytest.approx(6910.15625)
    assert row.billed_ms == 6911
    assert row.usd_per_million == pytest.approx(14.3979, abs=1e-4)


def test_memory_cost_row_for_1769_mb_arm64_matches_a_hand_calculation():
    # 1769 MB is one full vCPU: 500 ms stays 500 ms; 0.5 s × 1769/1024 GB = 0.86376953 GB-s;
    # × $0.0000133334 per GB-s × 1,000,000 = $11.51698...
    row = next(e for e in estimate(500.0, (1769,)) if e.arch == "arm64")
    assert (row.init_ms, row.billed_ms, row.vcpu) == (500.0, 500, 1.0)
    assert row.usd_per_million == pytest.approx(11.51698, abs=1e-5)


def test_the_markdown_cost_table_shows_the_hand_calculated_row():
    layer = Path(__file__)  # any existing path: the report only needs an inventory to render
    from layerbuild.model.inventory import Inventory
    from layerbuild.model.report import LayerReport

    report = LayerReport(
        inventory=Inventory(root=str(layer.parent), distributions=(), files=()),
        target=Target("python3.11", "x86_64"),
        estimates=estimate(500.0, (128,)),
    )
    text = get_format("markdown").render(report)
    assert "| 128 MB | 0.07 | 6.91 s | $14.40 | $11.52 |" in text


def test_more_memory_than_one_vcpu_does_not_speed_up_single_threaded_imports():
    rows = {e.memory_mb: e for e in estimate(800.0, (1769, 3008, 10240)) if e.arch == "x86_64"}
    assert rows[1769].init_ms == rows[3008].init_ms == rows[10240].init_ms == 800.0
    assert rows[3008].usd_per_million > rows[1769].usd_per_million  # same time, more GB billed


def test_an_init_longer_than_10_seconds_is_flagged():
    rows = {e.memory_mb: e for e in estimate(1000.0, (128, 1769)) if e.arch == "x86_64"}
    assert rows[128].over_init_limit and not rows[1769].over_init_limit


@pytest.mark.parametrize("bad", ["64", "20000", "abc", "128,,x", ","])
def test_memory_sizes_outside_lambdas_range_are_rejected(bad):
    with pytest.raises(InputError, match="--memory"):
        parse_memory_list(bad)


def test_memory_list_defaults_and_accepts_mb_suffix():
    assert parse_memory_list(None) == (128, 256, 512, 1024, 1769, 3008)
    assert parse_memory_list("1769, 512MB,512") == (512, 1769)


def test_report_cli_rejects_a_bad_memory_size_in_one_line(tmp_path):
    result = run_cli("report", str(tmp_path), "--memory", "64")
    assert result.code == 2
    assert result.stderr.count("\n") == 1 and "--memory" in result.stderr and "Traceback" not in result.stderr


def test_importtime_parser_counts_only_top_level_imports_after_the_marker(tmp_path):
    # Real `-X importtime` output of this interpreter: pkg imports its submodule, which must not count twice.
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("import time\nfrom . import sub\ntime.sleep(0.03)\n")
    (tmp_path / "pkg" / "sub.py").write_text("import time\ntime.sleep(0.02)\n")
    from layerbuild.measure.coldstart import _import_script

    proc = subprocess.run(
        [sys.executable, "-S", "-B", "-X", "importtime", "-c", _import_script(["pkg"])],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path)},
    )
    ms = parse_importtime(proc.stderr)
    assert 50 <= ms < 1000, proc.stderr


def _python311_or_skip() -> Path:
    python = find_interpreter("3.11")
    if python is None:
        pytest.skip("no python3.11 interpreter on this machine")
    return python


def _tiny_layer(tmp_path: Path) -> Path:
    """A layer folder: `slowpkg` sleeps 60 ms at import; `needsclick` imports click, which is not in the layer."""
    wheels = tmp_path / "wheels"
    w1 = make_wheel(wheels, "slowpkg", "1.0", {"slowpkg/__init__.py": "import time\ntime.sleep(0.06)\n"})
    w2 = make_wheel(wheels, "needsclick", "1.0", {"needsclick/__init__.py": "import click\n"})
    layer = tmp_path / "layer"
    for wheel in (w1, w2):
        with zipfile.ZipFile(wheel) as zf:
            zf.extractall(layer / "python")
    return layer


def test_import_time_is_measured_per_package_with_only_the_layer_on_the_path(tmp_path):
    _python311_or_skip()
    layer = _tiny_layer(tmp_path)
    inventory = inventory_of(layer)
    result = measure_imports(layer, inventory, Target("python3.11", "x86_64"), runs=3)
    assert result.measured and result.runs == 3 and result.python.startswith("3.11")
    slow = next(p for p in result.packages if p.name == "slowpkg")
    assert slow.import_ms >= 60 and len(slow.runs_ms) == 3 and slow.error is None
    # click is installed for this machine's Python, but not in the layer: the import must fail.
    broken = next(p for p in result.packages if p.name == "needsclick")
    assert broken.import_ms is None and "click" in broken.error
    assert result.layer_import_ms >= 60
    # PYTHONDONTWRITEBYTECODE: measuring leaves the (read-only on Lambda) layer untouched.
    assert not list(layer.rglob("__pycache__"))


def test_a_zip_is_measured_from_a_temporary_copy(tmp_path):
    _python311_or_skip()
    layer = _tiny_layer(tmp_path)
    from layerbuild.zip.writer import write_layer_zip

    zip_path = write_layer_zip(layer / "python", tmp_path / "tiny-python3.11-x86_64.zip")
    report = report_for_path(zip_path, runs=1)
    assert report.target_source == "zip name"
    assert report.import_ms["slowpkg"] >= 60
    assert report.estimates and {e.arch for e in report.estimates} == {"x86_64", "arm64"}


def test_not_measured_says_why_when_no_interpreter_of_the_target_version_exists(tmp_path):
    missing = next((rt for rt, row in RUNTIMES.items() if find_interpreter(row[0]) is None), None)
    if missing is None:
        pytest.skip("every runtime's interpreter exists on this machine")
    layer = _tiny_layer(tmp_path)
    result = measure_imports(layer, inventory_of(layer), Target(missing, "x86_64"))
    assert not result.measured and result.packages == ()
    assert result.note.startswith("not measured: no Python " + RUNTIMES[missing][0])


def test_not_measured_when_native_libraries_are_for_another_architecture(tmp_path):
    other = "arm64" if platform.machine() == "x86_64" else "x86_64"
    layer = tmp_path / "layer"
    (layer / "python" / "fast").mkdir(parents=True)
    (layer / "python" / "fast" / "_speedups.cpython-311-aarch64-linux-gnu.so").write_bytes(b"\x7fELF")
    result = measure_imports(layer, inventory_of(layer), Target("python3.11", other))
    assert not result.measured and "this machine is" in result.note


def test_unknown_target_is_not_measured():
    from layerbuild.model.inventory import Inventory

    result = measure_imports(Path("."), Inventory(root=".", distributions=(), files=()), None)
    assert result.note == "not measured: the target runtime is unknown (pass --runtime)"


def test_build_measures_imports_only_when_asked(tmp_path, cache_dir):
    _python311_or_skip()
    wheels = tmp_path / "wheels"
    make_wheel(wheels, "slowpkg", "1.0", {"slowpkg/__init__.py": "import time\ntime.sleep(0.06)\n"})
    reqs = tmp_path / "proj" / "requirements.txt"
    reqs.parent.mkdir()
    reqs.write_text(f"--no-index\n--find-links {wheels}\nslowpkg==1.0\n")
    out = tmp_path / "dist"
    report_path = out / "proj-python3.11-x86_64.report.json"
    plain = run_cli("build", str(reqs), "--runtime", "python3.11", "-o", str(out), "--format", "json")
    assert plain.code == 0, plain.stderr
    data = json.loads(report_path.read_text())
    assert data["cold_start"]["measured"] is False and data["packages"][0]["import_ms"] is None
    measured = run_cli(
        "build", str(reqs), "--runtime", "python3.11", "-o", str(out), "--format", "json", "--measure-imports"
    )
    assert measured.code == 0, measured.stderr
    data = json.loads(report_path.read_text())
    assert json.loads(measured.stdout) == data
    assert data["cold_start"]["measured"] is True and data["cold_start"]["estimates"]
    assert next(p for p in data["packages"] if p["name"] == "slowpkg")["import_ms"] >= 60
