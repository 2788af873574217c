"""A zip's remembered inventory is the one measuring it gives, for the same bytes only."""

from __future__ import annotations

import hashlib
import zipfile

from layerbuild.measure.inventory import inventory_of_zip
from layerbuild.measure.inventory_cache import inventory_of_known_zip


def _zip(path, body: str):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("python/tiny.py", body)
        zf.writestr("python/tiny/tests/test_x.py", "x = 1\n")
        zf.writestr("python/tiny-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: tiny\nVersion: 1.0\n")
        zf.writestr("python/tiny-1.0.dist-info/RECORD", "tiny.py,,\ntiny/tests/test_x.py,,\n")
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_remembered_inventory_equals_a_measured_one_and_names_the_callers_path(tmp_path, monkeypatch):
    monkeypatch.setenv("LAYERBUILD_CACHE_DIR", str(tmp_path / "cache"))
    first = tmp_path / "a.zip"
    sha = _zip(first, "VALUE = 1\n" * 100)
    assert inventory_of_known_zip(first, sha) == inventory_of_zip(first)  # measured, then stored
    assert list((tmp_path / "cache" / "inventories").rglob("*.json"))
    copy = tmp_path / "copy.zip"
    copy.write_bytes(first.read_bytes())
    assert inventory_of_known_zip(copy, sha) == inventory_of_zip(copy)  # read back: same, under its own path
    gone = tmp_path / "not-there.zip"  # only the remembered inventory can answer for it
    assert inventory_of_known_zip(gone, sha).files == inventory_of_zip(first).files
    other = tmp_path / "b.zip"
    other_sha = _zip(other, "VALUE = 2\n" * 300)
    assert inventory_of_known_zip(other, other_sha) == inventory_of_zip(other)
