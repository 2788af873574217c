"""A folder handed to remove_soon is gone from its place at once and from the disk once its thread ends."""

from __future__ import annotations

import threading

from layerbuild.util.trash import remove_soon


def test_the_folder_leaves_its_place_at_once_and_nothing_is_left_after_the_thread(tmp_path):
    work, tmp = tmp_path / "work", tmp_path / "tmp"
    (work / "tree" / "pkg" / "sub").mkdir(parents=True)
    (work / "tree" / "pkg" / "sub" / "a.py").write_text("x = 1\n")
    tmp.mkdir()
    remove_soon(work / "tree", tmp)
    assert not (work / "tree").exists()
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and not thread.daemon:
            thread.join(timeout=30)
    assert list(tmp.iterdir()) == []


def test_a_missing_folder_is_nothing_to_do(tmp_path):
    remove_soon(tmp_path / "absent", tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_the_sweep_removes_a_dead_processs_trash_and_keeps_a_live_ones(tmp_path):
    import os
    import subprocess
    import sys

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (tmp_path / f"{dead.stdout.strip()}-trash-abc" / "tree").mkdir(parents=True)
    (tmp_path / f"{os.getpid()}-trash-def" / "tree").mkdir(parents=True)
    (tmp_path / f"{dead.stdout.strip()}-staging").mkdir()  # not trash: the cache's own sweep decides
    from layerbuild.util.trash import sweep_trash

    sweep_trash(tmp_path)
    assert {p.name for p in tmp_path.iterdir()} == {f"{dead.stdout.strip()}-staging", f"{os.getpid()}-trash-def"}
