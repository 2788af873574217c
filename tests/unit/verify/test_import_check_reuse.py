"""A passed import check is reused only while everything the import read is unchanged (verify/import_cache.py).

Layers of tiny hand-written distributions, checked by the real interpreter of the target: alpha imports
beta, gamma tries an optional delta, epsilon scans every distribution's metadata as plugin loaders do.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from layerbuild.model.target import Target
from layerbuild.tree.index import TreeIndex
from layerbuild.util.interpreters import find_interpreter, interpreter_version
from layerbuild.verify.imports import verify_imports

TARGET = Target("python3.12", "x86_64")
PYTHON = find_interpreter("3.12")
pytestmark = pytest.mark.skipif(PYTHON is None, reason="no Python 3.12 here: the import check cannot run")

MODULES = {
    "alpha": "import beta\nVALUE = beta.X\n",
    "beta": "X = 1\n",
    "gamma": "try:\n    import delta\nexcept ImportError:\n    delta = None\n",
    "epsilon": "import importlib.metadata\nNAMES = sorted(d.metadata['Name'] for d in importlib.metadata.distributions())\n",
}


def _dist(root: Path, name: str, body: str) -> None:
    info = root / f"{name}-1.0.dist-info"
    info.mkdir(parents=True)
    (root / f"{name}.py").write_text(body)
    (root / f"{name}-notes.txt").write_text("a data file no import reads\n")
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "RECORD").write_text(f"{name}.py,,\n{name}-notes.txt,,\n{info.name}/METADATA,,\n{info.name}/RECORD,,\n")


def _layer(path: Path, modules: dict[str, str]) -> Path:
    for name, body in modules.items():
        _dist(path, name, body)
    return path


def _reused(tree: Path) -> set[str]:
    assert PYTHON is not None
    result = verify_imports(TreeIndex.of(tree), TARGET, PYTHON, interpreter_version(PYTHON))
    assert not result.failures
    return set(result.reused_modules)


def test_an_unchanged_layer_reuses_every_passed_check(tmp_path, cache_dir):
    assert _reused(_layer(tmp_path / "one", MODULES)) == set()
    assert _reused(_layer(tmp_path / "two", MODULES)) == set(MODULES)  # the same files elsewhere: reused


def test_a_changed_file_checks_its_distribution_and_those_whose_import_read_it(tmp_path, cache_dir):
    _reused(_layer(tmp_path / "one", MODULES))
    changed = _layer(tmp_path / "two", {**MODULES, "beta": "X = 2\n"})
    # alpha read beta: checked again with it; epsilon listed every distribution: any change checks it again
    assert _reused(changed) == {"gamma"}


def test_a_new_package_checks_only_the_imports_it_can_change(tmp_path, cache_dir):
    _reused(_layer(tmp_path / "one", MODULES))
    grown = _layer(tmp_path / "two", {**MODULES, "delta": "Y = 1\n"})
    # gamma asked for delta and found none; epsilon listed every distribution; alpha and beta are as they were
    assert _reused(grown) == {"alpha", "beta"}


def test_a_removed_file_checks_its_distribution_again(tmp_path, cache_dir):
    _reused(_layer(tmp_path / "one", MODULES))
    two = _layer(tmp_path / "two", MODULES)
    (two / "beta-notes.txt").unlink()  # a slim rule removing a file counts like an edit
    assert "beta" not in _reused(two)


def test_another_interpreter_or_target_never_reuses(tmp_path, cache_dir):
    tree = _layer(tmp_path / "one", MODULES)
    _reused(tree)
    assert PYTHON is not None
    other = tmp_path / "bin" / "python3.12"  # another path to the same binary: another interpreter to the key
    other.parent.mkdir()
    shutil.copy2(PYTHON.resolve(), other)
    result = verify_imports(TreeIndex.of(tree), TARGET, other, interpreter_version(PYTHON))
    assert result.reused_modules == ()
