"""The zip is written beside bytecode and the checks (build/overlap.py) and gives the same bytes as the
stages one after another; a failed check still fails the build with nothing written; a rebuild whose
files were compressed before compresses none of them; --compression max is its own, smaller layer.
Tiny wheels built here, a local index, the real CLI (and build_layer in-process to read the writer's counter)."""

from __future__ import annotations

import hashlib
import random
import shutil
from pathlib import Path

import pytest

from layerbuild.util.interpreters import find_interpreter

from ...conftest import make_wheel, run_cli

needs_311 = pytest.mark.skipif(
    find_interpreter("3.11") is None, reason="bytecode and the import check need a Python 3.11"
)
ZIP = "proj-python3.11-x86_64.zip"

# Enough bytes that the zip is still being written while the import check runs.
_TEXT = "".join(f"row_{i} = {random.Random(i).random()!r}\n" for i in range(20_000))
DATA = (
    "dataset",
    "1.0",
    {"dataset/__init__.py": "N = 1\n", "dataset/table.py": _TEXT, "dataset/data.csv": _TEXT * 3},
    [],
)
PKGA = ("pkga", "1.0", {"pkga/__init__.py": "X = 1\n", "pkga/util.py": "def f():\n    return 2\n"}, [])
BOOM = ("boom", "1.0", {"boom/__init__.py": "raise RuntimeError('needs a config file')\n"}, [])


def _project(tmp_path: Path, wheels, top) -> Path:
    folder = tmp_path / "wheels"
    for name, version, files, requires in wheels:
        make_wheel(folder, name, version, files, requires=requires)
    reqs = tmp_path / "proj" / "requirements.txt"
    reqs.parent.mkdir(exist_ok=True)
    reqs.write_text(f"--no-index\n--find-links {folder}\n" + "".join(f"{t}\n" for t in top))
    return reqs


def _build(reqs: Path, out: Path, cache: Path, *args: str, env: dict | None = None):
    return run_cli(
        "build", str(reqs), "--runtime", "python3.11", "-o", str(out), *args,
        env={"LAYERBUILD_CACHE_DIR": str(cache), **(env or {})},
    )  # fmt: skip


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@needs_311
def test_the_layer_is_byte_identical_with_and_without_overlapping_stages(tmp_path):
    reqs = _project(tmp_path, [DATA, PKGA], ["dataset", "pkga"])
    beside = _build(reqs, tmp_path / "beside", tmp_path / "cache-a")
    in_order = _build(reqs, tmp_path / "in-order", tmp_path / "cache-b", env={"LAYERBUILD_SEQUENTIAL": "1"})
    assert beside.code == 0 and in_order.code == 0, beside.stderr + in_order.stderr
    assert "Writing the layer zip (beside the checks)" in beside.stderr
    assert _sha(tmp_path / "beside" / ZIP) == _sha(tmp_path / "in-order" / ZIP)


@needs_311
def test_a_failed_import_check_fails_the_build_and_leaves_no_zip_though_it_was_written_beside(tmp_path):
    reqs = _project(tmp_path, [DATA, BOOM], ["dataset", "boom"])
    cache = tmp_path / "cache"
    failed = _build(reqs, tmp_path / "out", cache)
    assert failed.code == 1
    assert "boom" in failed.stderr.strip().splitlines()[-1]
    assert list((tmp_path / "out").iterdir()) == []
    assert not (cache / "builds").exists() or not any((cache / "builds").rglob("layer.zip"))
    assert not any((cache / "tmp").iterdir()) if (cache / "tmp").exists() else True


@needs_311
def test_a_rebuild_compresses_no_file_it_compressed_before(tmp_path, monkeypatch):
    from layerbuild.build.cache import BuildCache
    from layerbuild.build.pipeline import build_layer
    from layerbuild.config import BuildOptions
    from layerbuild.zip.writer import STATS

    cache = tmp_path / "cache"
    monkeypatch.setenv("LAYERBUILD_CACHE_DIR", str(cache))
    reqs = _project(tmp_path, [DATA, PKGA], ["dataset", "pkga"])
    options = BuildOptions(runtime="python3.11", output=str(tmp_path / "out"))
    first = build_layer(reqs, options, cache=BuildCache(cache))
    assert STATS.compressed > 0
    shutil.rmtree(cache / "builds")  # no layer to copy: every stage runs again on the same files
    before = STATS.compressed, STATS.reused
    again = build_layer(reqs, options, cache=BuildCache(cache))
    assert not again.cached
    assert STATS.compressed == before[0]  # every stream copied
    assert STATS.reused - before[1] == again.report.inventory.file_count
    assert _sha(again.zip_path) == first.report.sha256


@needs_311
def test_compression_max_is_its_own_smaller_layer_with_the_same_files(tmp_path):
    import zipfile

    reqs = _project(tmp_path, [DATA, PKGA], ["dataset", "pkga"])
    cache = tmp_path / "cache"
    assert _build(reqs, tmp_path / "default", cache).code == 0
    best = _build(reqs, tmp_path / "max", cache, "--compression", "max")
    assert best.code == 0, best.stderr
    small, big = zipfile.ZipFile(tmp_path / "max" / ZIP), zipfile.ZipFile(tmp_path / "default" / ZIP)
    assert small.testzip() is None
    assert (tmp_path / "max" / ZIP).stat().st_size < (tmp_path / "default" / ZIP).stat().st_size
    assert small.namelist() == big.namelist() and all(small.read(n) == big.read(n) for n in big.namelist())


@needs_311
def test_compress_ahead_leaves_the_test_files_slimming_removes_uncompressed(tmp_path, monkeypatch):
    import zipfile

    from layerbuild.tree.digests import _facts_of
    from layerbuild.zip.compressors import compressor_for
    from layerbuild.zip.streams import StreamCache

    tests = {
        f"kit/tests/test_{i}.py": f"def test_{i}():\n    assert {random.Random(i).random()!r}\n" for i in range(40)
    }
    kit = ("kit", "1.0", {"kit/__init__.py": "K = 1\n", **tests}, [])
    reqs = _project(tmp_path, [kit], ["kit"])
    cache = tmp_path / "cache"
    assert _build(reqs, tmp_path / "out", cache).code == 0
    assert not any(n.startswith("python/kit/tests/") for n in zipfile.ZipFile(tmp_path / "out" / ZIP).namelist())
    streams = StreamCache(cache / "zip-streams")
    probe = tmp_path / "probe.py"
    for text in tests.values():
        probe.write_text(text)
        sha, crc = _facts_of(str(probe))
        assert not streams.knows(StreamCache.key(sha, crc, compressor_for("default").name))
    probe.write_text("K = 1\n")  # what the layer keeps was compressed, and kept
    assert streams.knows(StreamCache.key(*_facts_of(str(probe)), compressor_for("default").name))
