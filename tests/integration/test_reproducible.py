"""The same lock gives the same layer bytes, wherever, whenever and by whomever it is built.

Real packages from the index (requests and its dependencies: pure Python plus charset-normalizer's
compiled wheel). Each build has its own cache, so every zip is really rebuilt, not copied.
"""

from __future__ import annotations

import os
import shutil
import time
import zipfile
from pathlib import Path

import pytest

from ..conftest import run_cli

pytestmark = pytest.mark.network

EPOCH = 1_700_000_000  # 2023-11-14 22:13:20 UTC


@pytest.fixture(scope="module")
def lock_file(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("repro-lock")
    reqs = root / "requirements.txt"
    reqs.write_text("requests==2.32.3\n")
    lock = root / "requirements.lock"
    result = run_cli("-q", "lock", str(reqs), "-o", str(lock), env={"LAYERBUILD_CACHE_DIR": str(root / "cache")})
    assert result.code == 0, result.stderr
    return lock


def _build_in(where: Path, lock_file: Path, *, umask: int, tz: str, epoch: int | None = None) -> bytes:
    """Copy the lock into a fresh folder and build it there, with this umask, TZ and cache."""
    proj = where / "proj"
    proj.mkdir(parents=True)
    shutil.copy(lock_file, proj / "requirements.lock")
    env = {"LAYERBUILD_CACHE_DIR": str(where / "cache"), "TZ": tz}
    if epoch is not None:
        env["SOURCE_DATE_EPOCH"] = str(epoch)
    else:
        env["SOURCE_DATE_EPOCH"] = ""
    result = run_cli(
        "-q",
        "build",
        "requirements.lock",
        "-o",
        "out",
        "--name",
        "layer",
        cwd=proj,
        env=env,
        preexec_fn=lambda: os.umask(umask),
    )
    assert result.code == 0, result.stderr
    return (proj / "out" / "layer-python3.12-x86_64.zip").read_bytes()


def test_same_lock_in_two_folders_with_different_umask_and_tz_gives_identical_zips(lock_file, tmp_path):
    a = _build_in(tmp_path / "a", lock_file, umask=0o022, tz="UTC")
    b = _build_in(tmp_path / "elsewhere" / "b", lock_file, umask=0o077, tz="Pacific/Auckland")
    assert a == b
    with zipfile.ZipFile(tmp_path / "a" / "proj" / "out" / "layer-python3.12-x86_64.zip") as zf:
        infos = zf.infolist()
    # Modes are the normalised ones whatever the umask, and no date leaks from the build machine.
    assert {(i.external_attr >> 16) & 0o777 for i in infos} <= {0o644, 0o755}
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert any(i.filename.endswith(".so") for i in infos)  # a compiled wheel is covered too


def test_source_date_epoch_sets_every_entry_date_whatever_the_timezone(lock_file, tmp_path):
    east = _build_in(tmp_path / "east", lock_file, umask=0o022, tz="Asia/Kolkata", epoch=EPOCH)
    west = _build_in(tmp_path / "west", lock_file, umask=0o002, tz="America/Los_Angeles", epoch=EPOCH)
    assert east == west
    t = time.gmtime(EPOCH)
    expected = (t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec - t.tm_sec % 2)
    with zipfile.ZipFile(tmp_path / "east" / "proj" / "out" / "layer-python3.12-x86_64.zip") as zf:
        assert {i.date_time for i in zf.infolist()} == {expected} == {(2023, 11, 14, 22, 13, 20)}
    later = _build_in(tmp_path / "later", lock_file, umask=0o022, tz="UTC", epoch=EPOCH + 86400)
    assert later != east  # the date is in the bytes, so a different SOURCE_DATE_EPOCH must show
