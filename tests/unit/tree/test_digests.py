"""File digests remembered by identity: a file is read again only when it may have changed."""

from __future__ import annotations

import hashlib
import os
import zlib

from layerbuild.tree import digests as digests_module
from layerbuild.tree.digests import FileDigests


def _write(path, data: bytes) -> str:
    path.write_bytes(data)
    st = os.stat(path)
    if st.st_mtime_ns % 1_000_000_000 == 0:  # a whole second by chance: give it a sub-second part
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1))
    return str(path)


def test_a_remembered_file_is_not_read_again_and_its_digest_is_its_content(tmp_path):
    memo = tmp_path / "memo"
    a = _write(tmp_path / "a.py", b"x = 1\n")
    first = FileDigests(memo)
    assert first.facts(a) == (hashlib.sha256(b"x = 1\n").digest(), zlib.crc32(b"x = 1\n"))
    first.save()
    again = FileDigests(memo)
    assert again.sha256(a) == hashlib.sha256(b"x = 1\n").digest()
    assert again.known(os.stat(a)) is not None
    assert again.hashed == 0  # answered from the memo: the file was not read


def test_a_file_replaced_or_rewritten_is_hashed_again(tmp_path):
    memo = tmp_path / "memo"
    a = _write(tmp_path / "a.py", b"x = 1\n")
    first = FileDigests(memo)
    first.sha256(a)
    first.save()
    new = _write(tmp_path / "a.py.new", b"x = 2\n")
    os.replace(new, a)  # how every stage changes a file: a new inode by rename
    again = FileDigests(memo)
    assert again.sha256(a) == hashlib.sha256(b"x = 2\n").digest()
    assert again.hashed == 1


def test_a_whole_second_modification_time_is_never_trusted(tmp_path):
    memo = tmp_path / "memo"
    a = tmp_path / "a.py"
    a.write_bytes(b"x = 1\n")
    os.utime(a, (1_700_000_000, 1_700_000_000))  # as tar or unzip set it: an inode reused may match
    first = FileDigests(memo)
    first.sha256(str(a))
    first.save()
    again = FileDigests(memo)
    assert again.known(os.stat(a)) is None
    again.sha256(str(a))
    assert again.hashed == 1


def test_the_memo_keeps_this_builds_files_first_within_its_bound(tmp_path, monkeypatch):
    monkeypatch.setattr(digests_module, "MAX_ENTRIES", 3)
    memo = tmp_path / "memo"
    old = [_write(tmp_path / f"old{i}", f"{i}".encode()) for i in range(3)]
    first = FileDigests(memo)
    for path in old:
        first.sha256(path)
    first.save()
    new = [_write(tmp_path / f"new{i}", f"n{i}".encode()) for i in range(2)]
    second = FileDigests(memo)
    for path in new:
        second.sha256(path)
    second.save()
    third = FileDigests(memo)
    assert all(third.known(os.stat(p)) is not None for p in new)
    assert sum(third.known(os.stat(p)) is not None for p in old) == 1  # bounded: 3 entries in all
