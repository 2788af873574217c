"""`layer.zipped_bytes` in the report is the zip file's size; the entries' sum has its own name.

The CLI runs in a subprocess on zips written by layerbuild's own zip writer and by Python's zipfile (a
zip layerbuild did not build), and on the folder they were made from.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

from layerbuild.zip.writer import write_layer_zip
from tests.conftest import make_wheel, run_cli


def _tree(root: Path, wheels: Path) -> Path:
    """A small site folder: one real wheel's files (RECORD included) unpacked, and a loose module."""
    wheel = make_wheel(
        wheels, "sizepkg", "1.0", {"sizepkg/__init__.py": "X = 1\n" * 200, "sizepkg/data.bin": os.urandom(20_000)}
    )
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(root)
    (root / "loose.py").write_text("Y = 2\n")
    return root


def _report(path: Path, tmp_path: Path) -> dict:
    result = run_cli(
        "-q",
        "report",
        str(path),
        "--no-measure",
        "--format",
        "json",
        env={"LAYERBUILD_CACHE_DIR": str(tmp_path / "cache")},
    )
    assert result.code == 0, result.stderr
    return json.loads(result.stdout)


def test_report_zipped_bytes_is_the_zip_files_size_for_our_zips_and_for_other_zips(tmp_path):
    tree = _tree(tmp_path / "tree", tmp_path / "wheels")
    ours = write_layer_zip(tree, tmp_path / "ours" / "sizes-python3.12-x86_64.zip")
    theirs = tmp_path / "theirs.zip"
    with zipfile.ZipFile(theirs, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(tree.rglob("*")):
            if p.is_file():
                zf.write(p, "python/" + p.relative_to(tree).as_posix())
    for zip_path in (ours, theirs):
        report = _report(zip_path, tmp_path)
        layer, packages = report["layer"], report["packages"]
        assert layer["zipped_bytes"] == zip_path.stat().st_size == layer["archive_bytes"]
        assert sum(p["zipped_bytes"] for p in packages) == layer["entries_zipped_bytes"]
        assert layer["zipped_bytes"] - layer["entries_zipped_bytes"] == 22  # the end record, no comment


def test_a_folders_zipped_bytes_estimates_the_zip_it_makes_end_record_included(tmp_path):
    tree = _tree(tmp_path / "layer" / "python", tmp_path / "wheels")
    folder = _report(tmp_path / "layer", tmp_path)["layer"]
    packed = write_layer_zip(tree, tmp_path / "packed.zip")
    assert folder["archive_bytes"] is None
    assert folder["zipped_bytes"] == folder["entries_zipped_bytes"] + 22
    assert abs(folder["zipped_bytes"] - packed.stat().st_size) / packed.stat().st_size < 0.02


def test_audit_max_zipped_budgets_the_zip_files_size(tmp_path):
    zip_path = write_layer_zip(_tree(tmp_path / "tree", tmp_path / "wheels"), tmp_path / "sizes-python3.12-x86_64.zip")
    size = zip_path.stat().st_size
    env = {"LAYERBUILD_CACHE_DIR": str(tmp_path / "cache")}
    at_size = run_cli("-q", "audit", str(zip_path), "--max-zipped", str(size), "--format", "json", env=env)
    assert at_size.code == 0, at_size.stdout + at_size.stderr
    # 10 bytes under the file's size: the entries alone (22 bytes less) fit, the file does not.
    under = run_cli("-q", "audit", str(zip_path), "--max-zipped", str(size - 10), "--format", "json", env=env)
    assert under.code == 1, under.stdout + under.stderr
    assert "LB102" in {f["rule"] for f in json.loads(under.stdout)["findings"]}
