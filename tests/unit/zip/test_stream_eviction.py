"""zip-streams/ stays within its size: least recently used packs go first, a killed build's pack goes,
the current build's packs and a running build's stay, and a zip is the same bytes after an eviction."""

from __future__ import annotations

import os
import time
from pathlib import Path

from layerbuild.zip.stream_eviction import evict
from layerbuild.zip.streams import StreamCache
from layerbuild.zip.writer import write_layer_zip


def _pack(root: Path, name: str, size: int, *, indexed: bool = True, age: float = 0) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / name).write_bytes(b"x" * size)
    if indexed:
        (root / name.replace(".pack", ".idx")).write_bytes(b"")
    when = time.time() - age
    for path in (root / name, root / name.replace(".pack", ".idx")):
        if path.exists():
            os.utime(path, (when, when))


def test_least_recently_used_packs_go_first_and_the_current_ones_stay(tmp_path: Path) -> None:
    root = tmp_path / "zip-streams"
    _pack(root, f"1-{os.getpid()}-1.pack", 400, age=300)
    _pack(root, f"2-{os.getpid()}-1.pack", 400, age=200)
    _pack(root, f"3-{os.getpid()}-1.pack", 400, age=100)
    _pack(root, f"4-{os.getpid()}-1.pack", 400)  # this build's
    removed = evict(root, keep={f"4-{os.getpid()}-1.pack"}, limit=1000)
    assert removed == [f"1-{os.getpid()}-1.pack", f"2-{os.getpid()}-1.pack"]
    assert sorted(p.name for p in root.iterdir()) == sorted(
        [f"3-{os.getpid()}-1.pack", f"3-{os.getpid()}-1.idx", f"4-{os.getpid()}-1.pack", f"4-{os.getpid()}-1.idx"]
    )


def test_a_killed_builds_pack_goes_and_a_running_builds_stays(tmp_path: Path) -> None:
    root = tmp_path / "zip-streams"
    _pack(root, "5-999999999-1.pack", 10, indexed=False)  # no index, its pid cannot exist: killed
    _pack(root, f"6-{os.getpid()}-1.pack", 10, indexed=False)  # no index yet, its build runs
    _pack(root, f"7-{os.getpid()}-1.pack", 10, indexed=False, age=7200)  # no index for two hours
    assert sorted(evict(root, keep=set(), limit=1 << 30)) == ["5-999999999-1.pack", f"7-{os.getpid()}-1.pack"]
    assert [p.name for p in root.iterdir()] == [f"6-{os.getpid()}-1.pack"]


def test_a_pack_a_build_reads_from_becomes_the_most_recent(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "a.py").write_text("print('a')\n" * 200)
    root = tmp_path / "zip-streams"
    first = StreamCache(root)
    write_layer_zip(tree, tmp_path / "one.zip", streams=first)
    (old,) = [p for p in root.iterdir() if p.suffix == ".idx"]
    os.utime(old, (time.time() - 1000, time.time() - 1000))
    (tree / "b.py").write_text("print('b')\n" * 200)
    second = StreamCache(root)
    write_layer_zip(tree, tmp_path / "two.zip", streams=second)  # a.py's stream is read from the old pack
    assert time.time() - old.stat().st_mtime < 100


def test_an_evicted_stream_is_compressed_again_to_the_same_bytes(tmp_path: Path, monkeypatch) -> None:
    first, other = tmp_path / "first", tmp_path / "other"
    for tree, text in ((first, "value"), (other, "other")):
        tree.mkdir()
        for i in range(20):
            (tree / f"m{i}.py").write_text(f"{text} = {i}\n" * 300)
    root = tmp_path / "zip-streams"
    write_layer_zip(first, tmp_path / "cold.zip", streams=StreamCache(root))
    monkeypatch.setenv("LAYERBUILD_ZIP_STREAMS_MB", "0")
    write_layer_zip(other, tmp_path / "other.zip", streams=StreamCache(root))  # uses nothing of the first pack
    assert len([p for p in root.iterdir() if p.suffix == ".pack"]) == 1  # the first pack is gone
    again = StreamCache(root)
    write_layer_zip(first, tmp_path / "again.zip", streams=again)
    assert (tmp_path / "again.zip").read_bytes() == (tmp_path / "cold.zip").read_bytes()
    assert len([p for p in root.iterdir() if p.suffix == ".pack"]) == 1  # the newest build's only
