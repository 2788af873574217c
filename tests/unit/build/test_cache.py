"""The build cache only ever hands out complete, unmodified entries."""

import json
import os
import threading

from layerbuild.build.cache import BuildCache, cache_key
from layerbuild.model.build_record import BuildRecord
from layerbuild.util.filehash import sha256_file


def _record(zip_path) -> BuildRecord:
    return BuildRecord(sha256=sha256_file(zip_path), runtime="python3.12", arch="x86_64")


def _stage(cache, payload=b"zipbytes"):
    work = cache.staging()
    (work / "layer.zip").write_bytes(payload)
    return work


def test_committed_entry_is_served_and_keys_depend_on_every_part(tmp_path):
    cache = BuildCache(tmp_path)
    key = cache_key({"lock": "a==1", "target": "python3.12-x86_64"})
    assert key != cache_key({"lock": "a==1", "target": "python3.12-arm64"})
    assert cache.get(key) is None
    work = _stage(cache)
    cache.commit(key, work, _record(work / "layer.zip"))
    entry = cache.get(key)
    assert entry and entry.zip_path.read_bytes() == b"zipbytes"


def test_a_tampered_entry_is_dropped_not_served(tmp_path):
    cache = BuildCache(tmp_path)
    key = cache_key({"x": 1})
    work = _stage(cache)
    entry = cache.commit(key, work, _record(work / "layer.zip"))
    entry.zip_path.write_bytes(b"truncated")
    assert cache.get(key) is None
    assert not entry.zip_path.parent.exists()


def test_a_killed_build_leaves_only_a_staging_folder_that_is_swept(tmp_path):
    cache = BuildCache(tmp_path)
    dead = tmp_path / "tmp" / "999999999-abc"  # a pid that cannot exist: its build was killed
    dead.mkdir(parents=True)
    (dead / "layer.zip").write_bytes(b"half")
    cache.staging()
    assert not dead.exists()
    assert not (tmp_path / "builds").exists()


def test_two_builds_committing_the_same_key_leave_one_good_entry(tmp_path):
    cache = BuildCache(tmp_path)
    key = cache_key({"same": True})
    works = [_stage(cache), _stage(cache)]
    errors = []

    def commit(work):
        try:
            cache.commit(key, work, _record(work / "layer.zip"))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=commit, args=(w,)) for w in works]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert cache.get(key).zip_path.read_bytes() == b"zipbytes"
    assert os.listdir(tmp_path / "tmp") == []
    assert json.loads((cache.get(key).zip_path.parent / "entry.json").read_text())["sha256"]


def test_an_entry_changed_in_place_with_the_same_size_is_still_caught(tmp_path):
    """The sha256 is skipped only while the zip's stat is the one it had when it last matched."""
    cache = BuildCache(tmp_path)
    key = cache_key({"stamp": 1})
    work = _stage(cache)
    entry = cache.commit(key, work, _record(work / "layer.zip"))
    assert cache.get(key) is not None  # served on its stamp
    with open(entry.zip_path, "r+b") as fh:  # same size, same inode: only the mtime tells
        fh.write(b"ZIPBYTES")
    assert cache.get(key) is None
    assert not entry.zip_path.parent.exists()


def test_export_copies_once_and_again_only_when_the_output_changed(tmp_path):
    cache = BuildCache(tmp_path / "cache")
    key = cache_key({"export": 1})
    work = _stage(cache)
    entry = cache.commit(key, work, _record(work / "layer.zip"))
    out = tmp_path / "out" / "layer.zip"
    out.parent.mkdir()
    cache.export(entry, out)
    first = os.stat(out)
    cache.export(entry, out)  # unchanged: nothing written
    again = os.stat(out)
    assert (again.st_ino, again.st_mtime_ns) == (first.st_ino, first.st_mtime_ns)
    with open(out, "r+b") as fh:  # the user edits the copy in place
        fh.write(b"edited!!")
    cache.export(entry, out)
    assert out.read_bytes() == b"zipbytes"
    out.unlink()
    cache.export(entry, out)
    assert out.read_bytes() == b"zipbytes"
    other = tmp_path / "other.zip"
    other.write_bytes(b"zipbytes")  # the same bytes, but not a copy this entry wrote: written again
    before = os.stat(other).st_ino
    cache.export(entry, other)
    assert os.stat(other).st_ino != before
