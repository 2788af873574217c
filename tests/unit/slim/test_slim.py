"""Slim rules: what `safe` and `aggressive` remove, what they must keep, and that every removal is recorded."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from layerbuild.errors import InputError
from layerbuild.facts.slim_rules import RULES
from layerbuild.model.report import removed_rows
from layerbuild.slim.apply import SlimOutcome
from layerbuild.slim.apply import slim_tree as slim_index
from layerbuild.slim.match import module_of
from layerbuild.slim.patterns import parse_path_patterns
from layerbuild.tree.distributions import distributions_in_dir
from layerbuild.tree.index import TreeIndex

from ...conftest import make_wheel, run_cli

EXT = ".cpython-311-x86_64-linux-gnu.so"


def slim_tree(tree: Path, profile: str, **kwargs) -> SlimOutcome:
    """Slim a folder as the build does: through its tree index."""
    return slim_index(TreeIndex.of(tree), profile, **kwargs)


def install(tree: Path, *wheels: Path) -> Path:
    """A wheel's archive layout is its installed layout (purelib): unpack them side by side."""
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as zf:
            zf.extractall(tree)
    return tree


def record_paths(tree: Path, dist: str) -> set[str]:
    info = next(tree.glob(f"{dist}-*.dist-info"))
    return {row[0] for row in csv.reader(io.StringIO((info / "RECORD").read_text())) if row}


@pytest.fixture
def bloated(tmp_path) -> Path:
    files = {
        "pkg/__init__.py": "from .core import run\n",
        "pkg/core.py": "def run():\n    return 1\n",
        "pkg/core.pyi": "def run() -> int: ...\n",
        "pkg/__pycache__/core.cpython-39.pyc": b"\x61\x0d\x0d\x0a" + b"\0" * 60,
        "pkg/legacy.py": "X = 1\n",
        "pkg/legacy.pyc": b"\x61\x0d\x0d\x0a" + b"\0" * 30,
        "pkg/frozen.pyc": b"\xa7\x0d\x0d\x0a" + b"\0" * 30,  # sourceless: the only copy of pkg.frozen
        "pkg/tests/__init__.py": "",
        "pkg/tests/test_core.py": "def test_run():\n    assert True\n" * 50,
        "pkg/conftest.py": "import pytest\n",
        "pkg/docs/index.rst": "Docs\n====\n" * 100,
        "pkg/examples/demo.py": "print('demo')\n",
        "pkg/_speed" + EXT: b"\x7fELF" + b"\0" * 200,
        "pkg/_speed.c": "/* generated */\n" * 100,
        "pkg/_speed.pyx": "def f(): pass\n",
        "pkg/templates/page.c": "/* a template the package reads: no extension beside it */\n",
        "pkg/include/pkg.h": "#define PKG 1\n",
        "pkg/api.pxd": "cdef int f()\n",
    }
    return install(tmp_path / "tree", make_wheel(tmp_path / "w", "pkg", "1.0", files))


def test_safe_removes_tests_stubs_caches_docs_and_build_leftovers_and_records_each(bloated):
    before = {p.relative_to(bloated).as_posix(): p.stat().st_size for p in bloated.rglob("*") if p.is_file()}
    outcome = slim_tree(bloated, "safe")
    removed = {r.path: r for r in outcome.result.removals}
    assert {path: r.rule for path, r in removed.items()} == {
        "pkg/__pycache__/core.cpython-39.pyc": "bytecode-cache",
        "pkg/legacy.pyc": "stray-pyc",
        "pkg/tests/__init__.py": "tests",
        "pkg/tests/test_core.py": "tests",
        "pkg/conftest.py": "tests",
        "pkg/core.pyi": "type-stubs",
        "pkg/docs/index.rst": "docs-examples",
        "pkg/examples/demo.py": "docs-examples",
        "pkg/_speed.c": "build-leftovers",
        "pkg/_speed.pyx": "build-leftovers",
    }
    assert all(r.distribution == "pkg" and r.bytes == before[r.path] for r in removed.values())
    for path in removed:
        assert not (bloated / path).exists()
    assert not (bloated / "pkg/tests").exists()  # emptied folders go too
    # Kept: code, the sourceless .pyc, a .c with no extension beside it, and (safe) headers.
    for path in (
        "pkg/core.py",
        "pkg/frozen.pyc",
        "pkg/templates/page.c",
        "pkg/include/pkg.h",
        "pkg/api.pxd",
        "pkg/_speed" + EXT,
    ):
        assert (bloated / path).is_file(), path
    assert outcome.result.bytes == sum(before[p] for p in removed)
    tests_rows = [row.bytes for row in removed_rows(outcome.result.removals) if row.rule == "tests"]
    assert sum(tests_rows) == sum(r.bytes for r in removed.values() if r.rule == "tests")


def test_dist_info_is_never_touched_and_record_stays_true_and_parseable(bloated):
    info = next(bloated.glob("pkg-*.dist-info"))
    before = sorted(p.name for p in info.iterdir())
    outcome = slim_tree(bloated, "aggressive", drop=parse_path_patterns(["pkg:**"], "--drop"))
    assert sorted(p.name for p in info.iterdir()) == before
    assert not any(".dist-info" in r.path for r in outcome.result.removals)
    listed = record_paths(bloated, "pkg")
    for r in outcome.result.removals:
        assert r.path not in listed
    [dist] = distributions_in_dir(bloated)  # what inventory.py and the smoke test read
    assert all((bloated / f).exists() for f in dist.files)


def test_slim_none_removes_nothing(bloated):
    before = sorted(p for p in bloated.rglob("*"))
    assert slim_tree(bloated, "none").result.removals == ()
    assert sorted(p for p in bloated.rglob("*")) == before


def test_aggressive_adds_headers_cython_declarations_and_static_libraries(bloated):
    removed = {r.path: r.rule for r in slim_tree(bloated, "aggressive").result.removals}
    assert removed["pkg/include/pkg.h"] == "c-headers"
    assert removed["pkg/api.pxd"] == "c-headers"
    assert removed["pkg/tests/test_core.py"] == "tests"


def test_a_kept_module_that_imports_a_test_module_keeps_it_and_what_it_imports(tmp_path):
    files = {
        "lib/__init__.py": "",
        "lib/testing.py": "from lib.tests._helpers import assert_close\n",
        "lib/tests/__init__.py": "",
        "lib/tests/_helpers.py": "from ._tolerance import TOL\ndef assert_close(a, b): return abs(a - b) < TOL\n",
        "lib/tests/_tolerance.py": "TOL = 1e-9\n",
        "lib/tests/test_big.py": "def test(): pass\n" * 200,
        "lib/sub/__init__.py": "from ..tests import conftest_like as _c  # relative, two levels\n",
        "lib/tests/conftest_like.py": "VALUE = 2\n",
    }
    tree = install(tmp_path / "tree", make_wheel(tmp_path / "w", "lib", "1.0", files))
    outcome = slim_tree(tree, "safe")
    kept = {k.path: k.reason for k in outcome.kept}
    assert kept["lib/tests/_helpers.py"] == "imported by lib/testing.py"
    assert kept["lib/tests/_tolerance.py"] == "imported by lib/tests/_helpers.py"
    assert kept["lib/tests/conftest_like.py"] == "imported by lib/sub/__init__.py"
    assert "lib/tests/__init__.py" in kept
    assert [r.path for r in outcome.result.removals] == ["lib/tests/test_big.py"]


def test_numpy_natype_is_kept_as_a_known_breaker_even_when_no_import_names_it(tmp_path):
    files = {
        "numpy/__init__.py": "",
        "numpy/_core/__init__.py": "",
        "numpy/_core/tests/_natype.py": "pd_NA = object()\n",
        "numpy/_core/tests/test_x.py": "x = 1\n",
    }
    tree = install(tmp_path / "tree", make_wheel(tmp_path / "w", "numpy", "2.2.6", files))
    outcome = slim_tree(tree, "safe")
    assert (tree / "numpy/_core/tests/_natype.py").is_file()
    assert not (tree / "numpy/_core/tests/test_x.py").exists()
    [kept] = outcome.kept
    assert kept.path == "numpy/_core/tests/_natype.py" and kept.reason.startswith("known breaker")


def test_docs_folder_that_is_a_python_package_is_code_and_stays(tmp_path):
    files = {
        "sdk/__init__.py": "",
        "sdk/docs/__init__.py": "def document(): pass\n",
        "sdk/docs/method.py": "X = 1\n",
        "sdk/doc/guide.md": "# guide\n",
    }
    tree = install(tmp_path / "tree", make_wheel(tmp_path / "w", "sdk", "1.0", files))
    removed = [r.path for r in slim_tree(tree, "safe").result.removals]
    assert removed == ["sdk/doc/guide.md"]
    assert (tree / "sdk/docs/method.py").is_file()


def test_stub_only_distributions_keep_their_pyi(tmp_path):
    tree = install(
        tmp_path / "tree",
        make_wheel(tmp_path / "w", "types-requests", "2.0", {"requests-stubs/api.pyi": "def get(): ...\n"}),
        make_wheel(tmp_path / "w", "real", "1.0", {"real/__init__.py": "", "real/__init__.pyi": ""}),
    )
    removed = [r.path for r in slim_tree(tree, "safe").result.removals]
    assert removed == ["real/__init__.pyi"]


def test_keep_pattern_protects_from_rules_and_drop_pattern_removes_and_is_named(bloated):
    keep = parse_path_patterns(["pkg:pkg/tests"], "--keep")
    drop = parse_path_patterns(["pkg:pkg/templates/*.c", "other:**"], "--drop")
    outcome = slim_tree(bloated, "safe", keep=keep, drop=drop)
    rules = {r.path: r.rule for r in outcome.result.removals}
    assert (bloated / "pkg/tests/test_core.py").is_file()
    assert {k.path: k.reason for k in outcome.kept}["pkg/tests/test_core.py"] == "--keep pkg:pkg/tests"
    assert rules["pkg/templates/page.c"] == "drop pkg:pkg/templates/*.c"
    assert outcome.unused_drops == ("other:**",)


@pytest.mark.parametrize("value", ["numpy", "numpy:", ":numpy/**", "numpy:/abs/path", "numpy:../outside"])
def test_malformed_keep_or_drop_is_an_input_error(value):
    with pytest.raises(InputError, match="PKG:GLOB"):
        parse_path_patterns([value], "--drop")


def test_malformed_drop_on_the_command_line_exits_2_before_any_work(tmp_path):
    reqs = tmp_path / "requirements.txt"
    reqs.write_text("requests\n")
    result = run_cli("build", str(reqs), "--drop", "requests", "-o", str(tmp_path / "out"))
    assert result.code == 2
    assert "--drop 'requests' is not PKG:GLOB" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_glob_semantics_single_star_stays_in_a_folder_double_star_spans():
    [single] = parse_path_patterns(["p:p/*.py"], "--keep")
    [double] = parse_path_patterns(["*:**/data/*.json"], "--keep")
    assert single.matches("p", "p/a.py") and not single.matches("p", "p/sub/a.py")
    assert not single.matches("q", "p/a.py")
    assert double.matches("anything", "x/y/data/z.json") and double.matches("a", "data/z.json")


def test_module_names_of_files():
    assert module_of("numpy/_core/tests/_natype.py") == "numpy._core.tests._natype"
    assert module_of("pkg/__init__.py") == "pkg"
    assert module_of("pkg/_speed" + EXT) == "pkg._speed"
    assert module_of("pkg/__pycache__/x.cpython-311.pyc") is None
    assert module_of("pkg/data.json") is None


def test_every_rule_says_why_and_belongs_to_a_profile():
    names = [r.name for r in RULES]
    assert len(names) == len(set(names))
    assert all(r.why and r.profile in ("safe", "aggressive") for r in RULES)


def _compile_shared_library(dest: Path) -> Path | None:
    if not shutil.which("gcc"):
        return None
    src = dest.with_suffix(".c")
    src.write_text(
        "int answer(void) { return 42; }\n" + "".join(f"int f{i}(int x) {{ return x + {i}; }}\n" for i in range(200))
    )
    proc = subprocess.run(["gcc", "-g", "-O0", "-shared", "-fPIC", "-o", str(dest), str(src)], capture_output=True)
    src.unlink()
    return dest if proc.returncode == 0 else None


def test_aggressive_strips_debug_info_from_a_library_that_still_loads_but_never_a_known_breaker(tmp_path):
    import ctypes

    from layerbuild.slim.strip import strip_tool

    if strip_tool() is None:
        pytest.skip("no strip binary (binutils) on this machine")
    built = tmp_path / "libdemo.so"
    if _compile_shared_library(built) is None:
        pytest.skip("no C compiler on this machine to build a library with debug info")
    data = built.read_bytes()
    tree = install(
        tmp_path / "tree",
        make_wheel(
            tmp_path / "w",
            "demo",
            "1.0",
            {"demo/__init__.py": "", "demo/_lib" + EXT: data, "demo.libs/libgrafted.so.1": data},
        ),
    )
    outcome = slim_tree(tree, "aggressive", strip_tool=strip_tool())
    [stripped] = [r for r in outcome.result.removals if r.rule == "strip-debug"]
    assert stripped.path == "demo/_lib" + EXT
    assert stripped.bytes == len(data) - (tree / stripped.path).stat().st_size > 0
    assert ctypes.CDLL(str(tree / stripped.path)).answer() == 42
    assert (tree / "demo.libs/libgrafted.so.1").read_bytes() == data  # auditwheel-grafted: never stripped
    [dist] = distributions_in_dir(tree)
    info = tree / dist.dist_info / "RECORD"
    row = next(r for r in csv.reader(io.StringIO(info.read_text())) if r and r[0] == stripped.path)
    assert int(row[2]) == (tree / stripped.path).stat().st_size  # RECORD follows the new bytes


def test_keep_and_drop_lists_in_the_config_file_reach_the_slim_stage(tmp_path):
    from layerbuild.config import merge_build_options
    from layerbuild.slim.patterns import patterns_of

    config = tmp_path / "pyproject.toml"
    config.write_text(
        '[tool.layerbuild]\nkeep = ["numpy:numpy/_core/tests/**"]\ndrop = ["pandas:pandas/io/clipboard/**"]\n'
    )
    options, _ = merge_build_options({"drop": ("pandas:pandas/plotting/**",)}, config, env={})
    keep, drop = patterns_of(options.keep, options.drop)
    assert [k.text for k in keep] == ["numpy:numpy/_core/tests/**"]
    assert [d.text for d in drop] == ["pandas:pandas/plotting/**"]  # the flag wins over the file
