"""Compressed streams are remembered by content: an unchanged file is never compressed again, and the
zip is the same bytes with or without them; `--compression max` is smaller and holds the same files."""

from __future__ import annotations

import hashlib
import os
import random
import threading
import zipfile
from pathlib import Path

import pytest

from layerbuild.zip import writer
from layerbuild.zip.compressors import compressor_for
from layerbuild.zip.streams import StreamCache
from layerbuild.zip.writer import STATS, WriteCancelled, precompress, write_layer_zip


def _tree(root: Path) -> Path:
    """Real text (the standard library's json and email packages), incompressible bytes, an empty file
    and an executable, as a layer has."""
    stdlib = Path(os.__file__).parent
    for package in ("json", "email"):
        for src in sorted((stdlib / package).glob("*.py")):
            dest = root / package / src.name
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(src.read_bytes())
    (root / "blob.bin").write_bytes(random.Random(1).randbytes(40_000))
    (root / "json" / "empty.txt").write_bytes(b"")
    tool = root / "bin.sh"
    tool.write_bytes(b"#!/bin/sh\necho hi\n" * 50)
    tool.chmod(0o755)
    return root


def _files(root: Path) -> int:
    return sum(1 for p in root.rglob("*") if p.is_file())


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_zip_is_byte_identical_with_and_without_remembered_streams(tmp_path):
    root = _tree(tmp_path / "t")
    plain = write_layer_zip(root, tmp_path / "plain.zip")
    first = write_layer_zip(root, tmp_path / "first.zip", streams=StreamCache(tmp_path / "streams"))
    before = (STATS.compressed, STATS.reused)
    # A new cache object on the same folder: what a later build finds on disk.
    again = write_layer_zip(root, tmp_path / "again.zip", streams=StreamCache(tmp_path / "streams"))
    assert (STATS.compressed - before[0], STATS.reused - before[1]) == (0, _files(root))
    assert _sha(plain) == _sha(first) == _sha(again)


def test_only_the_changed_file_is_compressed_again(tmp_path):
    root = _tree(tmp_path / "t")
    write_layer_zip(root, tmp_path / "a.zip", streams=StreamCache(tmp_path / "streams"))
    (root / "json" / "decoder.py").write_text("changed = True\n")
    before = STATS.compressed
    rebuilt = write_layer_zip(root, tmp_path / "b.zip", streams=StreamCache(tmp_path / "streams"))
    assert STATS.compressed - before == 1
    assert _sha(rebuilt) == _sha(write_layer_zip(root, tmp_path / "fresh.zip"))


def test_a_damaged_remembered_stream_is_compressed_again_and_the_zip_stays_right(tmp_path):
    root = _tree(tmp_path / "t")
    write_layer_zip(root, tmp_path / "a.zip", streams=StreamCache(tmp_path / "streams"))
    (pack,) = (tmp_path / "streams").glob("*.pack")
    body = bytearray(pack.read_bytes())
    body[len(body) // 2] ^= 0xFF  # one damaged byte in one stream
    pack.write_bytes(bytes(body))
    before = STATS.compressed
    again = write_layer_zip(root, tmp_path / "b.zip", streams=StreamCache(tmp_path / "streams"))
    assert STATS.compressed - before >= 1
    assert _sha(again) == _sha(tmp_path / "a.zip")
    assert zipfile.ZipFile(again).testzip() is None


def test_files_compressed_ahead_are_copied_not_compressed_again(tmp_path):
    root = _tree(tmp_path / "t")
    streams = StreamCache()  # memory only: what compress-ahead fills during a build
    paths = sorted(str(p) for p in root.rglob("*") if p.is_file())
    assert precompress(paths, streams) > 0
    before = STATS.compressed
    ahead = write_layer_zip(root, tmp_path / "ahead.zip", streams=streams)
    assert STATS.compressed == before
    assert _sha(ahead) == _sha(write_layer_zip(root, tmp_path / "plain.zip"))


def test_compression_max_is_a_valid_smaller_zip_of_the_same_files(tmp_path):
    root = _tree(tmp_path / "t")
    default = zipfile.ZipFile(write_layer_zip(root, tmp_path / "default.zip"))
    best = zipfile.ZipFile(write_layer_zip(root, tmp_path / "max.zip", compression="max"))
    assert best.testzip() is None
    assert (tmp_path / "max.zip").stat().st_size < (tmp_path / "default.zip").stat().st_size
    assert best.namelist() == default.namelist()
    assert all(best.read(n) == default.read(n) for n in default.namelist())
    assert [i.external_attr for i in best.infolist()] == [i.external_attr for i in default.infolist()]
    assert compressor_for("max").name != compressor_for("default").name  # part of every cache key


def test_a_remembered_stream_of_another_level_is_never_used(tmp_path):
    root = _tree(tmp_path / "t")
    write_layer_zip(root, tmp_path / "d.zip", streams=StreamCache(tmp_path / "streams"))
    best = write_layer_zip(root, tmp_path / "m.zip", compression="max", streams=StreamCache(tmp_path / "streams"))
    assert _sha(best) == _sha(write_layer_zip(root, tmp_path / "m-fresh.zip", compression="max"))


def test_a_cancelled_write_stops_and_leaves_no_file(tmp_path):
    root = _tree(tmp_path / "t")
    cancelled = threading.Event()
    cancelled.set()
    (tmp_path / "out").mkdir()
    with pytest.raises(WriteCancelled):
        write_layer_zip(root, tmp_path / "out" / "l.zip", cancelled=cancelled)
    assert list((tmp_path / "out").iterdir()) == []


def test_the_default_compressor_is_libdeflate():
    assert compressor_for().name.startswith("libdeflate") and writer.COMPRESSOR == compressor_for().name


def test_a_stream_being_compressed_ahead_is_waited_for_not_compressed_twice():
    import threading

    from layerbuild.zip.streams import StreamCache

    streams = StreamCache()
    key = StreamCache.key(b"\x01" * 32, 1, "test")
    assert streams.claim(key)
    assert not streams.claim(key)  # a second thread leaves it to the first
    got: list[bytes | None] = []
    waiter = threading.Thread(target=lambda: got.append(streams.wait_for(key)))
    waiter.start()
    waiter.join(0.2)
    assert waiter.is_alive()  # waiting for the claimed stream, not compressing it
    streams.put(key, b"stream")
    streams.release(key)
    waiter.join(5)
    assert got == [b"stream"]
    assert not streams.claim(key)  # known now


def test_a_claim_released_without_a_stream_leaves_the_work_to_the_writer():
    from layerbuild.zip.streams import StreamCache

    streams = StreamCache()
    key = StreamCache.key(b"\x02" * 32, 2, "test")
    assert streams.claim(key)
    streams.release(key)  # compress-ahead was stopped (a failure, a signal)
    assert streams.wait_for(key) is None
    assert streams.claim(key)


def test_the_writer_waits_for_a_stream_in_progress_only_so_long_then_makes_it(tmp_path):
    """compress-ahead runs at nice 19: behind the writer's own threads it may not finish a big file soon,
    so the writer waits AHEAD_WAIT at most and compresses the file itself, to the same bytes."""
    import hashlib
    import threading
    import time
    import zlib

    from layerbuild.zip.compressors import compressor_for
    from layerbuild.zip.streams import StreamCache
    from layerbuild.zip.writer import AHEAD_WAIT, write_layer_zip

    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "big.py").write_text("x = 1\n" * 5000)
    streams = StreamCache()
    data = (tree / "big.py").read_bytes()
    key = StreamCache.key(hashlib.sha256(data).digest(), zlib.crc32(data), compressor_for("default").name)
    assert streams.claim(key)  # a compress-ahead that never finishes
    start = time.perf_counter()
    writer = threading.Thread(target=write_layer_zip, args=(tree, tmp_path / "a.zip"), kwargs={"streams": streams})
    writer.start()
    writer.join(AHEAD_WAIT + 10)
    assert not writer.is_alive(), "the writer waits for the claimed stream without end"
    assert time.perf_counter() - start >= AHEAD_WAIT  # it did wait for it first
    write_layer_zip(tree, tmp_path / "b.zip")
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()


def test_an_unchanged_file_remembered_by_identity_is_copied_without_being_read(tmp_path, monkeypatch):
    from layerbuild.tree.digests import FileDigests

    root = _tree(tmp_path / "tree")
    for path in root.rglob("*"):  # sub-second times, as files a build installs have (tree/digests.py)
        if path.is_file():
            st = path.stat()
            os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns - st.st_mtime_ns % 10**9 + 123_456_789))
    memo, streams = tmp_path / "digests", tmp_path / "streams"
    first = FileDigests(memo)
    write_layer_zip(root, tmp_path / "first.zip", streams=StreamCache(streams), digests=first)
    first.save()
    (root / "json" / "changed.py").write_text("changed = True\n")
    st = (root / "json" / "changed.py").stat()
    os.utime(root / "json" / "changed.py", ns=(st.st_atime_ns, st.st_mtime_ns - st.st_mtime_ns % 10**9 + 1))

    read: list[str] = []
    real_read = writer._read
    with monkeypatch.context() as patch:
        patch.setattr(writer, "_read", lambda path, digests: read.append(path) or real_read(path, digests))
        again = write_layer_zip(root, tmp_path / "again.zip", streams=StreamCache(streams), digests=FileDigests(memo))
    stored = {"blob.bin", "empty.txt"}  # kept stored, not deflated: their bytes are what the zip holds
    assert sorted(Path(p).name for p in read if Path(p).name not in stored) == ["changed.py"]
    assert _sha(again) == _sha(write_layer_zip(root, tmp_path / "plain.zip"))
