"""The wheels installer hard-links files from uv's cache: no later stage may write into one of them."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from ..conftest import run_cli

pytestmark = pytest.mark.network


def _snapshot(uv_cache: Path) -> dict[str, str]:
    """Every file of the unpacked wheels in uv's cache (`archive-v*/`: what installs link to)."""
    return {
        str(p.relative_to(uv_cache)): hashlib.sha256(p.read_bytes()).hexdigest()
        for archive in uv_cache.glob("archive-v*")
        for p in archive.rglob("*")
        if p.is_file() and not p.is_symlink()
    }


def test_slimming_stripping_compiling_and_record_rewrites_leave_uvs_cache_intact(tmp_path):
    reqs = tmp_path / "requirements.txt"
    # markupsafe has a compiled extension (strip) and a .pyi (slim); `--drop` and the new .pyc force
    # RECORD rewrites next to files linked from uv's cache.
    reqs.write_text("markupsafe==3.0.2\nsix==1.16.0\nidna==3.7\n")
    uv_cache = tmp_path / "uv-cache"
    env = {"UV_CACHE_DIR": str(uv_cache), "LAYERBUILD_CACHE_DIR": str(tmp_path / "lb")}
    common = ["build", str(reqs), "--runtime", "python3.11", "-o", str(tmp_path / "out"), "--no-verify"]
    # First fill uv's cache with a build that changes nothing, and remember every cached file.
    first = run_cli(*common, "--slim", "none", "--bytecode", "none", env=env)
    assert first.code == 0, first.stderr
    before = _snapshot(uv_cache)
    assert sum(1 for name in before if "/markupsafe/" in name) > 3
    result = run_cli(
        *common, "--slim", "aggressive", "--bytecode", "alongside", "--drop", "idna:idna/codec.py", env=env
    )
    assert result.code == 0, result.stderr
    after = _snapshot(uv_cache)
    changed = sorted(name for name, digest in before.items() if after.get(name) != digest)
    assert changed == []
