"""One build walks its staging tree once and reads each distribution's metadata once.

Counted with a real mechanism, on a real build: `LAYERBUILD_DEBUG_COUNTS=FILE` makes `layerbuild build`
write the counters of `layerbuild/tree/counts.py` to FILE when its stages are done. `counts.walks` is
incremented by every full walk of a folder (`tree/walk.py`, the only walk the stages use), and
`counts.reads` by every read of a `*.dist-info` file from a folder (`tree/distributions.read_tree_bytes`,
which the build's `TreeIndex` and `distributions_in_dir` both use). The build runs as a user runs it: a
subprocess, the medium set (requests, pydantic, numpy, pandas) from the index for python3.12 x86_64,
slimming, bytecode and both checks on. Not counted: the report's inventory reads the finished zip (not
the tree), and the installer's wheel-tag guard reads each WHEEL file itself before the tree is indexed.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from ..conftest import run_cli

pytestmark = pytest.mark.network


def test_a_medium_build_walks_its_tree_once_and_reads_each_distributions_metadata_once(tmp_path):
    reqs = tmp_path / "medium" / "requirements.txt"
    reqs.parent.mkdir()
    reqs.write_text("requests\npydantic\nnumpy\npandas\n")
    counts_file = tmp_path / "counts.json"
    result = run_cli(
        "build",
        str(reqs),
        "--runtime",
        "python3.12",
        "--arch",
        "x86_64",
        "-o",
        str(tmp_path / "out"),
        env={"LAYERBUILD_CACHE_DIR": str(tmp_path / "cache"), "LAYERBUILD_DEBUG_COUNTS": str(counts_file)},
    )
    assert result.code == 0, result.stderr
    counts = json.loads(counts_file.read_text())

    [(tree, walks)] = counts["walks"].items()  # one folder walked: the staging tree
    assert Path(tree).name == "tree" and walks == 1

    reads = counts["dist_info_reads"]
    assert reads and all(path.startswith(tree + "/") for path in reads)  # nothing but the staging tree
    per_file = Counter(Path(path).name for path in reads)
    report = json.loads(next((tmp_path / "out").glob("*.report.json")).read_text())
    installed = len(report["packages"]) + len(
        {r["package"] for r in report["removed"] if r["rule"] == "runtime-provided"}
    )
    assert per_file["METADATA"] == per_file["RECORD"] == installed >= 14  # every distribution...
    assert set(reads.values()) == {1}  # ...read once: METADATA, RECORD and WHEEL
