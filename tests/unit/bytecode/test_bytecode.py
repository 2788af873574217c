"""Bytecode: unchecked-hash .pyc by the target's Python only, deterministic, and none when no such Python exists."""

from __future__ import annotations

import csv
import io
import subprocess
from pathlib import Path

import pytest

from layerbuild.bytecode.compile import BytecodeResult
from layerbuild.bytecode.compile import add_bytecode as add_to_index
from layerbuild.bytecode.compilers import Compiler, LocalCompiler, choose_compiler
from layerbuild.errors import EnvironmentProblem
from layerbuild.facts.pyc_magic import python_of_pyc
from layerbuild.model.target import Target
from layerbuild.tree.index import TreeIndex
from layerbuild.util.interpreters import SEARCH_PATH_ENV, find_interpreter

from ...conftest import make_wheel
from ..slim.test_slim import install


def compiler_for(target: Target) -> Compiler | None:
    """The compiler a build chooses when the installer offers none."""
    return choose_compiler(None, find_interpreter(target.python_version))


def add_bytecode(tree: Path, target: Target, requested: str, compiler: Compiler | None, **kwargs) -> BytecodeResult:
    """Compile a folder as the build does: through its tree index."""
    return add_to_index(TreeIndex.of(tree), target, requested, compiler, **kwargs)


RUNTIMES = ["python3.10", "python3.11", "python3.12", "python3.13"]
SOURCES = {
    "calc/__init__.py": "from .ops import add, KINDS\n",
    # A set literal becomes a frozenset constant: its marshalled order depends on string hashing.
    "calc/ops.py": "KINDS = {'alpha', 'beta', 'gamma', 'delta', 'epsilon'}\n"
    "def add(a, b):\n    return a + b if 'alpha' in {'alpha', 'omega'} else None\n",
    "calc/broken.py": "def oops(:\n",  # a syntax error: left uncompiled, never fatal
}


def target_with_python(runtime: str) -> Target:
    target = Target(runtime, "x86_64")
    if find_interpreter(target.python_version) is None:
        pytest.skip(f"no Python {target.python_version} on this machine")
    return target


def make_tree(tmp_path: Path, name: str = "tree") -> Path:
    return install(tmp_path / name, make_wheel(tmp_path / f"w-{name}", "calc", "1.0", SOURCES))


def pyc_files(tree: Path) -> dict[str, bytes]:
    return {p.relative_to(tree).as_posix(): p.read_bytes() for p in sorted(tree.rglob("*.pyc"))}


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_alongside_writes_unchecked_hash_pyc_of_the_target_version_only(tmp_path, runtime):
    target = target_with_python(runtime)
    tree = make_tree(tmp_path)
    result = add_bytecode(tree, target, "alongside", compiler_for(target))
    tag = "cpython-" + target.python_version.replace(".", "")
    assert result.mode == "alongside" and result.python.startswith(target.python_version + ".")
    assert result.not_compiled == ("calc/broken.py",)
    pycs = pyc_files(tree)
    assert sorted(pycs) == [f"calc/__pycache__/__init__.{tag}.pyc", f"calc/__pycache__/ops.{tag}.pyc"]
    for data in pycs.values():
        assert python_of_pyc(data[:4]) == target.python_version
        # PEP 552 flags word: bit 0 = hash-based, bit 1 = check_source; unchecked-hash is exactly 0b01.
        assert int.from_bytes(data[4:8], "little") == 0b01
    record = (tree / "calc-1.0.dist-info/RECORD").read_text()
    listed = {row[0]: row for row in csv.reader(io.StringIO(record)) if row}
    assert all(listed[p][1].startswith("sha256=") for p in pycs)  # RECORD owns the new files


@pytest.mark.parametrize("runtime", ["python3.11", "python3.13"])
def test_only_ships_no_source_and_the_package_imports_sourceless(tmp_path, runtime):
    target = target_with_python(runtime)
    tree = make_tree(tmp_path)
    result = add_bytecode(tree, target, "only", compiler_for(target))
    assert result.mode == "only"
    assert not (tree / "calc/ops.py").exists() and (tree / "calc/ops.pyc").is_file()
    assert (tree / "calc/broken.py").is_file()  # not compilable: kept as it was
    assert {r.path for r in result.removed.removals} == {"calc/__init__.py", "calc/ops.py"}
    python = find_interpreter(target.python_version)
    proc = subprocess.run(
        [
            str(python),
            "-I",
            "-S",
            "-B",
            "-c",
            f"import sys; sys.path.insert(0, {str(tree)!r}); import calc; print(calc.add(2, 3))",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert proc.stdout.strip() == "5", proc.stderr


@pytest.mark.parametrize("runtime", RUNTIMES)
def test_same_sources_give_the_same_pyc_bytes_wherever_they_are_built(tmp_path, runtime, monkeypatch):
    target = target_with_python(runtime)
    first, second = make_tree(tmp_path, "a"), make_tree(tmp_path, "elsewhere-b")
    add_bytecode(first, target, "alongside", compiler_for(target))
    monkeypatch.setenv("PYTHONHASHSEED", "12345")  # the caller's environment must not matter
    add_bytecode(second, target, "alongside", compiler_for(target))
    a, b = pyc_files(first), pyc_files(second)
    assert a and a == b
    assert all(str(tmp_path).encode() not in data for data in a.values())  # no build-machine paths inside


def test_auto_without_an_interpreter_of_the_target_version_ships_no_pyc_and_names_the_cost(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv(SEARCH_PATH_ENV, str(tmp_path / "no-pythons-here"))
    target = Target("python3.12", "x86_64")
    tree = make_tree(tmp_path)
    (tree / "calc/__pycache__").mkdir()
    (tree / "calc/__pycache__/ops.cpython-39.pyc").write_bytes(b"\x61\x0d\x0d\x0a" + b"\0" * 12)
    compiler = compiler_for(target)
    assert compiler is None
    result = add_bytecode(tree, target, "auto", compiler)
    assert result.mode == "none" and result.python is None
    assert pyc_files(tree) == {}  # the wheel's stale .pyc of another Python went too
    err = capsys.readouterr().err
    assert "no Python 3.12 interpreter found" in err and "cold start" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("mode", ["alongside", "only"])
def test_an_explicit_mode_without_an_interpreter_is_an_environment_error(tmp_path, monkeypatch, mode):
    monkeypatch.setenv(SEARCH_PATH_ENV, "")
    target = Target("python3.13", "x86_64")
    with pytest.raises(EnvironmentProblem, match="needs a Python 3.13 interpreter"):
        add_bytecode(make_tree(tmp_path), target, mode, compiler_for(target))


def test_a_compiler_of_another_minor_version_is_refused(tmp_path):
    other = next((v for v in ("3.12", "3.13", "3.10") if find_interpreter(v)), None)
    if other is None:
        pytest.skip("needs a second Python version on this machine")
    target = Target("python3.11", "x86_64")
    tree = make_tree(tmp_path)
    with pytest.raises(EnvironmentProblem, match=f"is Python {other}"):
        add_bytecode(tree, target, "alongside", LocalCompiler(find_interpreter(other)))
    assert pyc_files(tree) == {}
    # `auto` degrades to no bytecode instead (a build container of another Python, say).
    result = add_bytecode(tree, target, "auto", LocalCompiler(find_interpreter(other)))
    assert result.mode == "none" and pyc_files(tree) == {}


def test_an_installer_that_offers_a_compiler_is_used_before_this_machine(tmp_path):
    """The seam the build container uses: `installer.compiler(target)` wins over local discovery."""
    python = find_interpreter("3.11")
    if python is None:
        pytest.skip("no Python 3.11 on this machine")
    copy = tmp_path / "bin" / "python3.11"
    copy.parent.mkdir()
    copy.symlink_to(python)

    chosen = choose_compiler(LocalCompiler(copy), python)
    assert isinstance(chosen, LocalCompiler) and chosen.python == copy
    fallback = choose_compiler(None, python)
    assert isinstance(fallback, LocalCompiler) and fallback.python == python


def test_search_path_variable_pins_or_hides_interpreters(tmp_path, monkeypatch):
    python = find_interpreter("3.11")
    if python is None:
        pytest.skip("no Python 3.11 on this machine")
    real = subprocess.run(
        [str(python), "-c", "import sys; print(sys.executable)"], capture_output=True, text=True
    ).stdout.strip()  # past pyenv's shim, to the interpreter itself
    pinned = tmp_path / "pinned"
    pinned.mkdir()
    (pinned / "python3.11").symlink_to(real)
    monkeypatch.setenv(SEARCH_PATH_ENV, str(pinned))
    assert find_interpreter("3.11") == pinned / "python3.11"
    monkeypatch.setenv(SEARCH_PATH_ENV, "")
    assert find_interpreter("3.11") is None


class _Recording(LocalCompiler):
    """The build's local compiler, noting which sources it was asked to compile."""

    def __init__(self, python: Path) -> None:
        super().__init__(python)
        self.asked: list[str] = []

    def compile(self, tree: Path, sourceless: bool, files: list[str] | None = None) -> None:
        self.asked += files or []
        super().compile(tree, sourceless, files)


def test_only_the_sources_the_pyc_cache_lacks_are_compiled_while_the_rest_are_linked(tmp_path, cache_dir, monkeypatch):
    target = target_with_python("python3.12")
    python = find_interpreter(target.python_version)
    assert python is not None
    add_bytecode(make_tree(tmp_path, "first"), target, "alongside", _Recording(python))  # fills the cache
    grown = {**SOURCES, "calc/extra.py": "EXTRA = {'x', 'y'}\n"}
    tree = install(tmp_path / "second", make_wheel(tmp_path / "w-second", "calc", "1.0", grown))
    compiler = _Recording(python)
    result = add_bytecode(tree, target, "alongside", compiler)
    assert sorted(compiler.asked) == ["calc/broken.py", "calc/extra.py"]  # broken.py never compiles: never cached
    assert result.compiled == 3
    monkeypatch.setenv("LAYERBUILD_CACHE_DIR", str(tmp_path / "empty-cache"))
    fresh = install(tmp_path / "fresh", make_wheel(tmp_path / "w-fresh", "calc", "1.0", grown))
    add_bytecode(fresh, target, "alongside", _Recording(python))
    assert pyc_files(tree) == pyc_files(fresh)
    assert (tree / "calc-1.0.dist-info/RECORD").read_text() == (fresh / "calc-1.0.dist-info/RECORD").read_text()


def test_a_compiler_process_started_early_compiles_the_files_given_later_and_an_unused_one_ends(tmp_path):
    target = target_with_python("python3.12")
    python = find_interpreter(target.python_version)
    assert python is not None
    files = ["calc/__init__.py", "calc/ops.py"]
    early, plain = make_tree(tmp_path, "early"), make_tree(tmp_path, "plain")
    compiler = LocalCompiler(python)
    compiler.warm(early, sourceless=False)  # started before the tree's sources are known
    started = compiler._warm[1] if compiler._warm else None
    assert started is not None and started.poll() is None  # waiting for its list
    compiler.compile(early, False, files)
    assert started.returncode == 0  # it did the compile
    LocalCompiler(python).compile(plain, False, files)
    assert pyc_files(early) and pyc_files(early) == pyc_files(plain)
    unused = make_tree(tmp_path, "unused")
    compiler.warm(unused, sourceless=False)
    waiting = compiler._warm[1] if compiler._warm else None
    compiler.close()
    assert waiting is not None and waiting.returncode == 0 and pyc_files(unused) == {}
