"""A zip copies the entries it shares with an earlier zip of the cache byte for byte, in runs, and is
still the bytes a fresh write gives; an earlier zip that is not the one its record describes (replaced
since, or of another date) is not copied from."""

from __future__ import annotations

import hashlib
import os
import shutil
import zipfile
from pathlib import Path

from layerbuild.tree.digests import FileDigests
from layerbuild.zip.earlier import record_path
from layerbuild.zip.streams import StreamCache
from layerbuild.zip.writer import STATS, write_layer_zip

from .test_zip_streams import _tree  # the standard library's json and email, random bytes, an executable


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _files(root: Path) -> int:
    return sum(1 for p in root.rglob("*") if p.is_file())


def _write(root: Path, dest: Path, digests: FileDigests, earlier: tuple[Path, ...] = ()) -> tuple[Path, int]:
    """Write as a build does (streams, digests, a record); returns the zip and the entries it copied."""
    before = STATS.copied
    path = write_layer_zip(
        root, dest, streams=StreamCache(dest.parent / "streams"), digests=digests, earlier=earlier, record=True
    )
    return path, STATS.copied - before


def test_entries_shared_with_an_earlier_zip_are_copied_and_the_zip_is_the_bytes_of_a_fresh_write(tmp_path):
    root = _tree(tmp_path / "t")
    digests = FileDigests()
    first, copied = _write(root, tmp_path / "a.zip", digests)
    assert copied == 0 and record_path(first).is_file()
    # one file changed, one added in the middle of the order, one removed: the rest is copied in runs
    (root / "json" / "decoder.py").write_text("changed = True\n")
    (root / "email" / "zz_new.py").write_text("new = 1\n")
    (root / "json" / "tool.py").unlink()
    second, copied = _write(root, tmp_path / "b.zip", digests, earlier=(tmp_path / "missing.zip", first))
    assert copied == _files(root) - 2
    assert _sha(second) == _sha(write_layer_zip(root, tmp_path / "fresh.zip"))
    with zipfile.ZipFile(second) as z:
        assert z.testzip() is None
        assert z.read("python/json/decoder.py") == b"changed = True\n"
        assert z.getinfo("python/bin.sh").external_attr >> 16 & 0o777 == 0o755


def test_an_earlier_zip_replaced_since_its_record_was_kept_is_not_copied_from(tmp_path):
    root = _tree(tmp_path / "t")
    digests = FileDigests()
    first, _ = _write(root, tmp_path / "a.zip", digests)
    other = _tree(tmp_path / "other")
    (other / "json" / "decoder.py").write_text("other = True\n")
    shutil.copyfile(write_layer_zip(other, tmp_path / "other.zip"), tmp_path / "swap.zip")
    os.replace(tmp_path / "swap.zip", first)  # a new file under the recorded name: not what the record says
    again, copied = _write(root, tmp_path / "b.zip", digests, earlier=(first,))
    assert copied == 0
    assert _sha(again) == _sha(write_layer_zip(root, tmp_path / "fresh.zip"))


def test_an_earlier_zip_of_another_date_or_a_damaged_record_is_not_copied_from(tmp_path, monkeypatch):
    root = _tree(tmp_path / "t")
    digests = FileDigests()
    first, _ = _write(root, tmp_path / "a.zip", digests)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    dated, copied = _write(root, tmp_path / "b.zip", digests, earlier=(first,))
    assert copied == 0
    assert _sha(dated) == _sha(write_layer_zip(root, tmp_path / "fresh.zip"))
    record = record_path(dated)
    record.write_bytes(record.read_bytes()[:-7])  # cut short
    again, copied = _write(root, tmp_path / "c.zip", digests, earlier=(dated,))
    assert copied == 0
    assert _sha(again) == _sha(dated)
