"""The layer zip is deterministic: same tree, same bytes — whatever the mtimes, umask or clock."""

import os
import zipfile

from layerbuild.util.filehash import sha256_file
from layerbuild.zip.writer import write_layer_zip


def _tree(root, mtime, mode=0o644):
    files = {
        "pkg/__init__.py": b"x = 1\n",
        "pkg/data.bin": os.urandom(0) + b"\0" * 5000,
        "pkg/tool.sh": b"#!/bin/sh\necho hi\n",
        "a.py": b"import pkg\n",
    }
    for rel, data in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
        os.chmod(p, 0o755 if rel.endswith(".sh") else mode)
        os.utime(p, (mtime, mtime))
    return root


def test_same_tree_gives_byte_identical_zip_whatever_mtimes_and_modes(tmp_path):
    a = write_layer_zip(_tree(tmp_path / "a", 1_000_000_000), tmp_path / "a.zip")
    b = write_layer_zip(_tree(tmp_path / "b", 1_700_000_000, mode=0o600), tmp_path / "b.zip")
    assert sha256_file(a) == sha256_file(b)


def test_entries_are_sorted_under_python_with_fixed_dates_and_modes(tmp_path):
    z = zipfile.ZipFile(write_layer_zip(_tree(tmp_path / "t", 1_600_000_000), tmp_path / "l.zip"))
    names = z.namelist()
    assert names == sorted(names)
    assert all(n.startswith("python/") for n in names)
    assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    modes = {i.filename: (i.external_attr >> 16) & 0o777 for i in z.infolist()}
    assert modes["python/pkg/tool.sh"] == 0o755 and modes["python/a.py"] == 0o644
    assert z.testzip() is None
    assert z.read("python/pkg/data.bin") == b"\0" * 5000


def test_source_date_epoch_sets_the_entry_dates(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000001")  # 2023-11-14 22:13:21 UTC
    z = zipfile.ZipFile(write_layer_zip(_tree(tmp_path / "t", 1), tmp_path / "l.zip"))
    assert {i.date_time for i in z.infolist()} == {(2023, 11, 14, 22, 13, 20)}


def test_a_failed_write_leaves_no_partial_zip(tmp_path, monkeypatch):
    import layerbuild.zip.writer as package

    def boom(path, *args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(package, "_compress", boom)  # fault injection: a full disk mid-write
    dest = tmp_path / "out" / "l.zip"
    try:
        write_layer_zip(_tree(tmp_path / "t", 1), dest)
    except OSError:
        pass
    assert list((tmp_path / "out").iterdir()) == []


def test_symlinks_pointing_outside_the_tree_are_not_packaged(tmp_path):
    root = _tree(tmp_path / "t", 1)
    secret = tmp_path / "secret.txt"
    secret.write_text("do not ship")
    (root / "pkg" / "link.txt").symlink_to(secret)
    z = zipfile.ZipFile(write_layer_zip(root, tmp_path / "l.zip"))
    assert "python/pkg/link.txt" not in z.namelist()
