"""`layerbuild build --bytecode auto` on real packages keeps a layer that fits without .pyc within the
unzipped budget, and says what it chose (issue 12, item 5). The budget is the real `--max-unzipped`
option, set between the layer's size without .pyc and with all of it: a real package set from the
index crosses it the way oci and pymupdf cross Lambda's 262,144,000 bytes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ..conftest import python_for, run_cli

pytestmark = pytest.mark.network
needs_312 = pytest.mark.skipif(python_for("3.12") is None, reason="compiling .pyc needs a Python 3.12 here")


def _build(reqs: Path, out: Path, cache: Path, *args: str) -> tuple[dict, str]:
    result = run_cli(
        "build",
        str(reqs),
        "--runtime",
        "python3.12",
        "--arch",
        "x86_64",
        "-o",
        str(out),
        *args,
        env={"LAYERBUILD_CACHE_DIR": str(cache)},
    )
    assert result.code == 0, result.stderr
    return json.loads(next(out.glob("*.report.json")).read_text()), result.stderr


@needs_312
def test_bytecode_auto_never_pushes_a_real_layer_that_fits_without_pyc_over_the_budget(tmp_path):
    reqs = tmp_path / "proj" / "requirements.txt"
    reqs.parent.mkdir()
    reqs.write_text("requests==2.32.3\nrich==13.9.4\n")
    cache = tmp_path / "cache"
    bare, _ = _build(reqs, tmp_path / "none", cache, "--bytecode", "none")
    full, _ = _build(reqs, tmp_path / "all", cache, "--bytecode", "alongside")
    without, with_all = bare["layer"]["unzipped_bytes"], full["layer"]["unzipped_bytes"]
    assert with_all > without
    budget = without + (with_all - without) // 2

    auto, err = _build(reqs, tmp_path / "auto", cache, "--bytecode", "auto", "--max-unzipped", str(budget))
    assert auto["layer"]["unzipped_bytes"] <= budget < with_all
    section = auto["bytecode"]
    assert section["mode"] == "alongside" and section["budget_bytes"] == budget
    assert section["sources_without_pyc"] > 0 and section["pyc_files"] > 0
    assert f"over the limit of {budget:,} bytes" in section["reason"]
    assert sum(1 for line in err.splitlines() if "modules got .pyc" in line) == 1
    assert auto["imports_verified"]["failures"] == []
    assert "over the --max-unzipped budget" not in err

    # Asked for explicitly, every .pyc ships, and the build says the layer is over the budget.
    asked, err = _build(reqs, tmp_path / "asked", cache, "--bytecode", "alongside", "--max-unzipped", str(budget))
    assert asked["layer"]["unzipped_bytes"] == with_all
    assert f"over the --max-unzipped budget of {budget:,} bytes" in err
    assert "reason" not in asked["bytecode"]


def test_a_bad_max_unzipped_is_one_line_and_exit_2(tmp_path):
    reqs = tmp_path / "requirements.txt"
    reqs.write_text("six\n")
    result = run_cli("build", str(reqs), "--max-unzipped", "lots", "-o", str(tmp_path / "out"))
    assert result.code == 2
    assert result.stderr.strip().count("\n") == 0 and "--max-unzipped" in result.stderr and "size" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "out").exists()
