"""A killed build loses nothing: the next build succeeds and gives the same bytes, and the cache never
holds a half-written entry. Two builds of one lock into one cache, at the same time, both succeed.

The build is killed from outside with SIGKILL (no cleanup code can run), at the moment the test sees
the stage's own files appear: the install tree in the cache's staging folder (uv is copying files), the
temporary zip beside it (the zip is being written), the temporary copy in the output folder. The
package is a wheel built here with ~24 MiB of incompressible data, so each stage lasts long enough to
be caught; it resolves from a local folder (`--no-index --find-links`), so no network is needed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from layerbuild.build.cache import BuildCache

from ..conftest import make_wheel, run_cli

NAME = "proj-python3.12-x86_64"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("interrupted")
    wheels = root / "wheels"
    files = {f"bigpkg/data{i:03d}.bin": os.urandom(96 * 1024) for i in range(256)}
    files["bigpkg/__init__.py"] = "VALUE = 1\n"
    make_wheel(wheels, "bigpkg", "1.0", files)
    reqs = root / "proj" / "requirements.txt"
    reqs.parent.mkdir()
    reqs.write_text(f"--no-index\n--find-links {wheels}\nbigpkg==1.0\n")
    # The reference: one uninterrupted build in its own cache.
    ref_out, ref_cache = root / "ref-out", root / "ref-cache"
    result = run_cli("-q", "build", str(reqs), "-o", str(ref_out), env={"LAYERBUILD_CACHE_DIR": str(ref_cache)})
    assert result.code == 0, result.stderr
    return {"reqs": reqs, "reference": (ref_out / f"{NAME}.zip").read_bytes()}


def _start_build(reqs: Path, out: Path, cache: Path) -> subprocess.Popen:
    env = dict(os.environ, LAYERBUILD_CACHE_DIR=str(cache))
    # Its own process group, so that SIGKILL reaches uv as well, as when a CI job is cancelled.
    return subprocess.Popen(
        [sys.executable, "-m", "layerbuild.cli", "-q", "build", str(reqs), "-o", str(out)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def _kill_when(proc: subprocess.Popen, appeared, timeout: float = 120) -> Path:
    """SIGKILL the build's process group as soon as `appeared()` returns a path; returns that path."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = appeared()
        if found is not None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            return found
        if proc.poll() is not None:
            pytest.fail(
                f"the build finished (exit {proc.returncode}) before the stage was reached: "
                f"{proc.stderr.read().decode()}"
            )
        time.sleep(0.002)
    os.killpg(proc.pid, signal.SIGKILL)
    pytest.fail("the stage was never reached")


def _first(pattern_root: Path, pattern: str, min_size: int = 1):
    def appeared():
        for path in pattern_root.glob(pattern):
            try:
                if path.stat().st_size >= min_size:
                    return path
            except FileNotFoundError:
                continue
        return None

    return appeared


def _assert_cache_has_only_whole_entries(cache: Path) -> int:
    """Every entry folder holds entry.json and a layer.zip whose sha256 matches; returns the count."""
    count = 0
    for entry in (cache / "builds").glob("*/*"):
        key = entry.name
        assert BuildCache(cache).get(key) is not None, f"half-written cache entry {entry}: {os.listdir(entry)}"
        count += 1
    return count


STAGES = {
    # stage: (folder to watch, glob, minimum size) — the files only that stage writes.
    "install": ("cache", "tmp/*/tree/bigpkg/data1*.bin", 1),
    "zip": ("cache", "tmp/*/.layer.zip.*.tmp", 1 << 20),
    "copy-to-output": ("out", f".{NAME}.zip.*.tmp", 1),
}


@pytest.mark.parametrize("stage", list(STAGES))
def test_build_killed_during_a_stage_is_rebuilt_byte_identical(stage, project, tmp_path):
    out, cache = tmp_path / "out", tmp_path / "cache"
    where, pattern, min_size = STAGES[stage]
    proc = _start_build(project["reqs"], out, cache)
    _kill_when(proc, _first(tmp_path / where, pattern, min_size))

    # Killed: no zip or report under its final name, and no half-written cache entry.
    assert not (out / f"{NAME}.zip").exists()
    assert not (out / f"{NAME}.report.json").exists()
    _assert_cache_has_only_whole_entries(cache)

    result = run_cli("-q", "build", str(project["reqs"]), "-o", str(out), env={"LAYERBUILD_CACHE_DIR": str(cache)})
    assert result.code == 0, result.stderr
    assert (out / f"{NAME}.zip").read_bytes() == project["reference"]
    assert _assert_cache_has_only_whole_entries(cache) == 1
    # The killed build's staging folder and temporary output were swept by the next build.
    assert list((cache / "tmp").iterdir()) == []
    assert sorted(p.name for p in out.iterdir()) == [f"{NAME}.report.json", f"{NAME}.zip"]


def test_two_builds_of_one_lock_into_one_cache_at_once_both_succeed(project, tmp_path):
    cache = tmp_path / "cache"
    outs = [tmp_path / "out-a", tmp_path / "out-b", tmp_path / "out-shared", tmp_path / "out-shared"]
    procs = [_start_build(project["reqs"], out, cache) for out in outs]
    results = [(p.wait(timeout=600), p.stderr.read().decode()) for p in procs]
    for code, stderr in results:
        assert code == 0, stderr
    # They really ran at the same time: at least two built the layer rather than reading the cache.
    assert sum("built:" in stderr for _, stderr in results) >= 2, [s for _, s in results]
    for out in outs:
        assert (out / f"{NAME}.zip").read_bytes() == project["reference"]
        assert sorted(p.name for p in out.iterdir()) == [f"{NAME}.report.json", f"{NAME}.zip"]
    assert _assert_cache_has_only_whole_entries(cache) == 1
    assert list((cache / "tmp").iterdir()) == []
