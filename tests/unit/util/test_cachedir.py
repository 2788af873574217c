"""Where the cache lives, and telling a killed process's leftovers from a running one's (util/cachedir.py)."""

import os
import subprocess
import sys
from pathlib import Path

from layerbuild.util.cachedir import cache_root, pid_alive


def test_the_cache_folder_follows_layerbuild_then_xdg_then_home(monkeypatch, tmp_path):
    monkeypatch.setenv("LAYERBUILD_CACHE_DIR", str(tmp_path / "mine"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_root() == tmp_path / "mine"
    monkeypatch.delenv("LAYERBUILD_CACHE_DIR")
    assert cache_root() == tmp_path / "xdg" / "layerbuild"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache_root() == Path.home() / ".cache" / "layerbuild"


def test_a_finished_process_is_not_alive_and_this_one_is():
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    assert not pid_alive(proc.pid)
    assert pid_alive(os.getpid())
