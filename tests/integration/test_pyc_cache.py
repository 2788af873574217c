"""A rebuild after a lock change compiles only new sources, and the layer is the same as a fresh one."""

from __future__ import annotations

import hashlib
import re

import pytest

from ..conftest import python_for, run_cli

pytestmark = [
    pytest.mark.network,
    pytest.mark.skipif(python_for("3.11") is None, reason="compiling needs a Python 3.11 here"),
]


def _build(reqs, out, cache):
    result = run_cli(
        "build",
        str(reqs),
        "--runtime",
        "python3.11",
        "-o",
        str(out),
        "--bytecode",
        "alongside",
        env={"LAYERBUILD_CACHE_DIR": str(cache)},
    )
    assert result.code == 0, result.stderr
    reused, total = map(int, re.search(r"(\d+) of (\d+) from the cache", result.stderr).groups())
    digest = hashlib.sha256(next(out.glob("*.zip")).read_bytes()).hexdigest()
    return reused, total, digest


def test_sources_compiled_before_are_reused_and_the_zip_matches_a_fresh_build(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "requirements.txt").write_text("idna==3.7\n")
    (tmp_path / "b" / "requirements.txt").write_text("idna==3.7\nsix==1.16.0\ncertifi==2024.8.30\n")
    shared = tmp_path / "shared-cache"
    reused, total_a, _ = _build(tmp_path / "a" / "requirements.txt", tmp_path / "out-a", shared)
    assert reused == 0 and total_a > 5
    reused, total_b, with_cache = _build(tmp_path / "b" / "requirements.txt", tmp_path / "out-b", shared)
    assert reused == total_a and total_b > total_a  # idna's sources came from the cache, the rest compiled
    _, _, fresh = _build(tmp_path / "b" / "requirements.txt", tmp_path / "out-fresh", tmp_path / "empty-cache")
    assert with_cache == fresh
