"""`--bytecode auto` never pushes a layer that fits without .pyc over the unzipped limit (issue 12, item 5).

The limit is the build's real `max_unzipped` budget (`--max-unzipped`, default Lambda's 262,144,000
bytes), set here to a size between the tree without .pyc and the tree with all of it, so tiny
generated packages cross it; compiling is the real interpreter of the target's version.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from layerbuild.facts.pyc_magic import python_of_pyc
from layerbuild.model.target import Target
from layerbuild.tree.index import TreeIndex
from layerbuild.util.interpreters import find_interpreter

from ...conftest import make_wheel
from ..slim.test_slim import install
from .test_bytecode import add_bytecode, compiler_for

# A package whose top-level module imports a few modules (`import app` loads them on every cold
# start) and ships many it never imports (plugins). Each module has real code, so its .pyc is bigger
# than its source, as in real packages.
BODY = "".join(f"def f{i}(x):\n    return [x * {i} + j for j in range({i})]\n" for i in range(40))
SOURCES = {
    "app/__init__.py": "from .core import run\nfrom . import helpers\nimport app.models.user\n",
    "app/core.py": "from .helpers import clean\n" + BODY + "def run(x):\n    return clean(f1(x))\n",
    "app/helpers.py": BODY + "def clean(x):\n    return x\n",
    "app/models/__init__.py": "",
    "app/models/user.py": BODY,
    **{f"app/plugins/p{i:02d}.py": BODY for i in range(30)},
    "app/plugins/__init__.py": "",
}
IMPORTED = {"app/__init__.py", "app/core.py", "app/helpers.py", "app/models/__init__.py", "app/models/user.py"}


def _tree_bytes(tree: Path) -> int:
    """What the zip of `tree` will hold, as the build measures it."""
    return TreeIndex.of(tree).unzipped_bytes()


def _target() -> Target:
    for runtime in ("python3.12", "python3.11", "python3.13", "python3.10"):
        target = Target(runtime, "x86_64")
        if find_interpreter(target.python_version):
            return target
    pytest.skip("no Python 3.10-3.13 on this machine to compile with")


def _tree(tmp_path: Path, name: str) -> Path:
    return install(tmp_path / name, make_wheel(tmp_path / f"w-{name}", "app", "1.0", SOURCES))


def _sizes(tmp_path: Path, target: Target) -> tuple[int, int]:
    """(unzipped without .pyc, unzipped with every .pyc alongside), measured on real compiled trees."""
    bare = _tree(tmp_path, "bare")
    without = _tree_bytes(bare)
    full = _tree(tmp_path, "full")
    add_bytecode(full, target, "alongside", compiler_for(target))
    return without, _tree_bytes(full)


def test_auto_keeps_a_layer_that_fits_without_pyc_within_the_limit_and_compiles_the_imported_modules_first(
    tmp_path, capsys
):
    target = _target()
    without, full = _sizes(tmp_path, target)
    assert full > without * 1.5  # the .pyc would more than add half again
    limit = without + (full - without) // 3
    tree = _tree(tmp_path, "auto")
    result = add_bytecode(tree, target, "auto", compiler_for(target), max_unzipped=limit)

    assert _tree_bytes(tree) <= limit < full  # what the zip will hold, RECORD rows included
    assert result.mode == "alongside" and result.reason and result.budget_bytes == limit
    assert 0 < result.compiled < len(SOURCES)
    assert len(result.left_out) == len(SOURCES) - result.compiled
    tag = "cpython-" + target.python_version.replace(".", "")
    pycs = {p.relative_to(tree).as_posix() for p in tree.rglob("*.pyc")}
    assert len(pycs) == result.compiled
    for src in IMPORTED:  # what `import app` loads got its .pyc, before any plugin did
        folder, _, name = src.rpartition("/")
        assert f"{folder}/__pycache__/{name[:-3]}.{tag}.pyc" in pycs, src
    assert all(s.startswith("app/plugins/") for s in result.left_out)
    for p in pycs:
        assert python_of_pyc((tree / p).read_bytes()[:4]) == target.python_version
    notices = [line for line in capsys.readouterr().err.splitlines() if line.startswith("layerbuild:")]
    assert len(notices) == 1  # one line says what was chosen and why (progress lines aside)
    err = notices[0]
    assert f"over the limit of {limit:,} bytes" in err and f"{result.compiled} of {len(SOURCES)} modules" in err
    # Every module still imports (the ones without .pyc compile at import, as with --bytecode none).
    python = find_interpreter(target.python_version)
    proc = subprocess.run(
        [
            str(python),
            "-I",
            "-S",
            "-B",
            "-c",
            f"import sys; sys.path.insert(0, {str(tree)!r}); import app, importlib; "
            "[importlib.import_module(f'app.plugins.p{i:02d}') for i in range(30)]; print(app.run(2))",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert proc.returncode == 0 and proc.stdout.strip() == "[2]", proc.stderr
    # RECORD lists exactly the .pyc that shipped.
    record = next(tree.glob("app-1.0.dist-info")).joinpath("RECORD").read_text()
    assert {line.split(",")[0] for line in record.splitlines() if line.endswith(".pyc") or ".pyc," in line} == pycs


def test_auto_names_bytecode_only_when_sourceless_pyc_would_fit_every_module(tmp_path, capsys):
    target = _target()
    without, full = _sizes(tmp_path, target)
    py_bytes = sum(len(v) for v in SOURCES.values())
    only = without - py_bytes + (full - without)  # sources replaced by their .pyc (RECORD rows aside)
    limit = min(full - 1, only + (full - only) // 2)
    tree = _tree(tmp_path, "auto")
    result = add_bytecode(tree, target, "auto", compiler_for(target), max_unzipped=limit)
    assert result.left_out and _tree_bytes(tree) <= limit
    assert "--bytecode only would fit .pyc for every module" in capsys.readouterr().err
    assert result.mode == "alongside"  # auto never goes sourceless by itself: tracebacks keep their source


def test_auto_with_room_for_every_pyc_ships_them_all_and_says_nothing(tmp_path, capsys):
    target = _target()
    without, full = _sizes(tmp_path, target)
    tree = _tree(tmp_path, "auto")
    result = add_bytecode(tree, target, "auto", compiler_for(target), max_unzipped=full)
    assert result.reason is None and result.left_out == () and result.compiled == len(SOURCES)
    assert _tree_bytes(tree) == full
    assert not [line for line in capsys.readouterr().err.splitlines() if line.startswith("layerbuild:")]


def test_explicit_alongside_is_done_as_asked_even_over_the_limit(tmp_path):
    target = _target()
    without, full = _sizes(tmp_path, target)
    tree = _tree(tmp_path, "alongside")
    result = add_bytecode(tree, target, "alongside", compiler_for(target), max_unzipped=without + 1)
    assert result.compiled == len(SOURCES) and result.reason is None
    assert _tree_bytes(tree) == full  # the build's limit warning names the overflow (test_build_limits)


def test_a_layer_over_the_limit_without_pyc_keeps_every_pyc_for_the_split(tmp_path):
    target = _target()
    without, full = _sizes(tmp_path, target)
    tree = _tree(tmp_path, "auto")
    result = add_bytecode(tree, target, "auto", compiler_for(target), max_unzipped=without - 1)
    assert result.compiled == len(SOURCES) and result.reason is None
