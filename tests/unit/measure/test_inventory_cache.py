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


def test_the_inventory_a_build_keeps_as_it_writes_its_zip_is_the_one_measuring_the_zip_gives(tmp_path, monkeypatch):
    import os

    from layerbuild.measure.inventory_cache import remember_written
    from layerbuild.util.filehash import sha256_file
    from layerbuild.zip.writer import LAYER_PREFIX, write_layer_zip

    monkeypatch.setenv("LAYERBUILD_CACHE_DIR", str(tmp_path / "cache"))
    tree = tmp_path / "tree"
    files = {
        "tiny/__init__.py": "VALUE = 1\n" * 200,
        "tiny/empty.py": "",  # stored, not deflated
        "tiny/native.cpython-312-x86_64-linux-gnu.so": "\x7fELF" + "x" * 500,
        "tiny-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: tiny\nVersion: 1.0\r\n",
        "tiny-1.0.dist-info/top_level.txt": "tiny\r\n",  # CRLF: read as bytes, as from the zip
        "tiny-1.0.dist-info/RECORD": "tiny/__init__.py,,\ntiny/empty.py,,\ntiny/native.cpython-312-x86_64-linux-gnu.so,,\n",
        "loose.py": "unowned = True\n",
    }
    for rel, text in files.items():
        (tree / rel).parent.mkdir(parents=True, exist_ok=True)
        (tree / rel).write_bytes(text.encode())
    os.chmod(tree / "tiny/native.cpython-312-x86_64-linux-gnu.so", 0o755)
    written: list[zipfile.ZipFile] = []
    path = write_layer_zip(tree, tmp_path / "out" / "layer.zip", keep=written)
    sha = remember_written(
        written[0],
        path,
        lambda: sha256_file(path),
        lambda name: (tree / name[len(LAYER_PREFIX) :]).read_bytes().decode(),
    )
    path.unlink()  # what is kept answers without the zip
    kept = inventory_of_known_zip(path, sha)
    path = write_layer_zip(tree, path)  # the same bytes again, measured from the zip this time
    assert sha256_file(path) == sha
    assert kept == inventory_of_zip(path)
    assert {d.name for d in kept.distributions} >= {"tiny"} and kept.archive_bytes == path.stat().st_size
