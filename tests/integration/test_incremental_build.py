"""A rebuild after a one-package change reuses what it can (.pyc, passed import checks, compressed entries)
and still writes the same bytes as a cold build of the same lock with empty layerbuild caches."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from ..conftest import python_for, run_cli

pytestmark = pytest.mark.network


def _lock(tmp_path: Path, name: str, requirements: str) -> Path:
    reqs = tmp_path / f"{name}.in"
    reqs.write_text(requirements)
    lock = tmp_path / name / "requirements.lock"
    lock.parent.mkdir()
    done = run_cli("lock", str(reqs), "--runtime", "python3.12", "-o", str(lock))
    assert done.code == 0, done.stderr
    return lock


def _build(lock: Path, out: Path, cache: Path) -> tuple[str, str]:
    done = run_cli(
        "build",
        str(lock),
        "--runtime",
        "python3.12",
        "--name",
        "layer",
        "-o",
        str(out),
        "--format",
        "json",
        env={"LAYERBUILD_CACHE_DIR": str(cache)},
    )
    assert done.code == 0, done.stderr
    zip_path = Path(json.loads(done.stdout)["layer"]["path"])
    return hashlib.sha256(zip_path.read_bytes()).hexdigest(), done.stderr


def test_a_rebuild_after_a_one_package_change_writes_the_bytes_of_a_cold_build_of_that_lock(tmp_path):
    if python_for("3.12") is None:
        pytest.skip("no Python 3.12 here: bytecode and the import check would not run")
    before = _lock(tmp_path, "before", "requests\n")
    after = _lock(tmp_path, "after", "requests\nattrs\n")
    warm = tmp_path / "warm-cache"
    _build(before, tmp_path / "out", warm)
    incremental, log = _build(after, tmp_path / "out", warm)
    # The rebuild did reuse work (else this test would show nothing): .pyc and passed import checks.
    assert "passed the import check before" in log
    assert int(re.search(r"(\d+) of \d+ from the cache", log)[1]) > 0
    cold, _ = _build(after, tmp_path / "fresh-out", tmp_path / "empty-cache")
    assert incremental == cold
