"""The build's checks agree with Lambda and with `layerbuild audit` (tiny wheels built here, a local index).

Each case is a package that behaves like a real one: a module that loads only through its parent
package (psycopg_binary), two packages whose versions clash (ionhash + amazon-ion 0.15), a native
library linked to a library the Lambda base image lacks (opencv-python's libGL), test files a kept
module imports (numpy/_core/tests/_natype.py). The real packages are in
tests/integration/test_import_check_real.py.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from layerbuild.measure.elf import read_elf
from layerbuild.util.interpreters import find_interpreter

from ..conftest import make_wheel, run_cli
from .audit_helpers import compile_so

needs_311 = pytest.mark.skipif(find_interpreter("3.11") is None, reason="the import check needs a Python 3.11 here")
ZIP = "proj-python3.11-x86_64.zip"
REPORT = "proj-python3.11-x86_64.report.json"


def project(tmp_path: Path, wheels: list[tuple], top: list[str], pyproject: str | None = None) -> Path:
    """wheels: (name, version, files, requires); a requirements file reading only them."""
    folder = tmp_path / "wheels"
    for name, version, files, requires in wheels:
        make_wheel(folder, name, version, files, requires=requires)
    reqs = tmp_path / "proj" / "requirements.txt"
    reqs.parent.mkdir(exist_ok=True)
    reqs.write_text(f"--no-index\n--find-links {folder}\n" + "".join(f"{t}\n" for t in top))
    if pyproject is not None:
        (reqs.parent / "pyproject.toml").write_text(pyproject)
    return reqs


def build(reqs: Path, out: Path, *args: str):
    return run_cli("build", str(reqs), "--runtime", "python3.11", "-o", str(out), *args, cwd=reqs.parent)


def last_line(result) -> str:
    return result.stderr.strip().splitlines()[-1]


# A parent package that uses its speed-up module when installed, and the speed-up module that refuses
# to be imported first: psycopg and psycopg_binary (psycopg requires psycopg-binary under its extra).
FASTDB = (
    "fastdb",
    "3.0",
    {"fastdb/__init__.py": "try:\n    import fastdb_binary\nexcept ImportError:\n    fastdb_binary = None\n"},
    ['fastdb-binary==3.0; extra == "binary"'],
)
FASTDB_BINARY = (
    "fastdb-binary",
    "3.0",
    {
        "fastdb_binary/__init__.py": (
            "import sys\nif 'fastdb' not in sys.modules:\n"
            "    raise ImportError('the fastdb package should be imported before fastdb_binary')\n"
        )
    },
    [],
)


@needs_311
def test_a_module_meant_to_load_through_its_package_passes_the_import_check(tmp_path, cache_dir):
    reqs = project(tmp_path, [FASTDB, FASTDB_BINARY], ["fastdb[binary]"])
    result = build(reqs, tmp_path / "out")
    assert result.code == 0, result.stderr
    assert "fastdb_binary (fastdb-binary) imports only after fastdb" in result.stderr
    verified = json.loads((tmp_path / "out" / REPORT).read_text())["imports_verified"]
    assert verified["failures"] == [] and verified["modules"] == 2
    assert verified["imported_after"] == {"fastdb_binary": "fastdb"}


@needs_311
def test_a_module_whose_error_names_the_package_to_import_first_passes_without_a_dependency(tmp_path, cache_dir):
    """No metadata links the two: the error message naming a top-level module of the layer is enough."""
    core = ("coreplug", "1.0", {"coreplug/__init__.py": "REGISTRY = {}\n"}, [])
    plugin = (
        "plugext",
        "1.0",
        {
            "plugext/__init__.py": (
                "import sys\nif 'coreplug' not in sys.modules:\n    raise RuntimeError('import coreplug before plugext')\n"
            )
        },
        [],
    )
    reqs = project(tmp_path, [core, plugin], ["coreplug", "plugext"])
    result = build(reqs, tmp_path / "out")
    assert result.code == 0, result.stderr
    verified = json.loads((tmp_path / "out" / REPORT).read_text())["imports_verified"]
    assert verified["imported_after"] == {"plugext": "coreplug"}


@needs_311
def test_a_module_that_fails_even_after_its_package_still_fails_the_build(tmp_path, cache_dir):
    broken = (
        "fastdb-binary",
        "3.0",
        {
            "fastdb_binary/__init__.py": (
                "raise ImportError('the fastdb package should be imported before fastdb_binary, and libfast is missing')\n"
            )
        },
        [],
    )
    reqs = project(tmp_path, [FASTDB, broken], ["fastdb[binary]"])
    result = build(reqs, tmp_path / "out")
    assert result.code == 1
    assert "fastdb_binary (fastdb-binary) fails: ImportError: the fastdb package should be imported" in last_line(
        result
    )
    assert not list((tmp_path / "out").glob("*.zip"))


BOOM = ("boom", "1.0", {"boom/__init__.py": "raise RuntimeError('needs a config file')\n"}, [])
PKGA = ("pkga", "1.0", {"pkga/__init__.py": "X = 1\n"}, [])


@needs_311
def test_a_failing_module_is_named_with_skip_import_as_the_targeted_way_out(tmp_path, cache_dir):
    reqs = project(tmp_path, [BOOM, PKGA], ["boom", "pkga"])
    failed = build(reqs, tmp_path / "out")
    assert failed.code == 1
    assert "leave it out with --skip-import boom" in last_line(failed)
    passed = build(reqs, tmp_path / "out", "--skip-import", "boom")
    assert passed.code == 0, passed.stderr
    verified = json.loads((tmp_path / "out" / REPORT).read_text())["imports_verified"]
    assert verified["skipped_modules"] == ["boom"] and verified["modules"] == 1  # pkga is still checked


@needs_311
def test_skip_import_from_the_config_file_leaves_the_module_out(tmp_path, cache_dir):
    reqs = project(
        tmp_path,
        [BOOM, PKGA],
        ["boom", "pkga"],
        pyproject='[tool.layerbuild]\nruntime = "python3.11"\nskip-import = ["boom"]\n',
    )
    result = build(reqs, tmp_path / "out")
    assert result.code == 0, result.stderr
    assert json.loads((tmp_path / "out" / REPORT).read_text())["imports_verified"]["skipped_modules"] == ["boom"]


@needs_311
def test_skip_import_of_a_module_the_layer_lacks_is_a_warning(tmp_path, cache_dir):
    reqs = project(tmp_path, [PKGA], ["pkga"])
    result = build(reqs, tmp_path / "out", "--skip-import", "pkgz")
    assert result.code == 0, result.stderr
    assert "warning: --skip-import pkgz matched no top-level module of the layer" in result.stderr


# Two releases of a library: 2.0 dropped a private name that an app still imports (ionhash imports
# _IonNature, which amazon-ion 0.15.0 no longer has).
NEWLIB = ("newlib", "2.0", {"newlib/__init__.py": "", "newlib/core.py": "class Value:\n    pass\n"}, [])


@needs_311
@pytest.mark.parametrize("statement", ["from newlib.core import _Old", "import newlib.legacy"])
def test_a_version_clash_names_both_packages_and_a_constraint(tmp_path, cache_dir, statement):
    app = ("oldapp", "1.4", {"oldapp/__init__.py": f"{statement}\n"}, ["newlib>=1.0"])
    reqs = project(tmp_path, [NEWLIB, app], ["oldapp"])
    result = build(reqs, tmp_path / "out")
    assert result.code == 1
    line = last_line(result)
    what = "'_Old' from newlib.core" if "_Old" in statement else "newlib.legacy"
    assert f"version clash: oldapp 1.4 cannot import {what} of newlib 2.0" in line
    assert "(it declares newlib>=1.0)" in line and "try `newlib<2.0`" in line
    assert "--no-verify" not in line  # the way out is a constraint, not shipping a broken layer
    assert not list((tmp_path / "out").glob("*.zip"))


@needs_311
def test_a_missing_name_inside_one_package_is_not_called_a_version_clash(tmp_path, cache_dir):
    own = (
        "selfbug",
        "1.0",
        {"selfbug/__init__.py": "from selfbug.core import missing\n", "selfbug/core.py": "present = 1\n"},
        [],
    )
    reqs = project(tmp_path, [own], ["selfbug"])
    result = build(reqs, tmp_path / "out")
    assert result.code == 1
    assert "version clash" not in result.stderr and "(not caused by a removal)" in last_line(result)


# --- native libraries: build and audit agree -------------------------------------------------------


def _native_wheels(tmp_path: Path, dist: str = "userlib", package: str = "userlib", needed: str = "libdep.so.1"):
    """A wheel whose extension is linked to `needed`, a library neither it nor Lambda ships."""
    lib_dir = tmp_path / "lib"
    lib_dir.mkdir(exist_ok=True)
    compile_so(lib_dir, needed, "int lb_dep(void) { return 7; }\n", f"-Wl,-soname,{needed}")
    so_name = "_native.cpython-311-x86_64-linux-gnu.so"
    so = compile_so(
        lib_dir, so_name, "int lb_dep(void);\nint lb_user(void) { return lb_dep(); }\n", "-L.", f"-l:{needed}"
    )
    assert read_elf(so.read_bytes()).needed == (needed,)  # the fixture really links the library
    return (
        dist,
        "1.0",
        {f"{package}/__init__.py": "", f"{package}/{so_name}": so.read_bytes()},
        [],
    ), f"python/{package}/{so_name}"


def test_a_library_lambda_lacks_fails_the_build_and_the_audit_flags_the_same_file(tmp_path, cache_dir):
    native, so_path = _native_wheels(tmp_path)
    reqs = project(tmp_path, [native], ["userlib"])
    failed = build(reqs, tmp_path / "out")
    assert failed.code == 1
    line = last_line(failed)
    assert line.startswith("layerbuild: error: native check failed: 1 file(s) would not load on python3.11 x86_64")
    assert f"userlib: 1 need libdep.so.1, not in the Amazon Linux 2 base image (e.g. {so_path})" in line
    assert f"LB303 error: {so_path} needs libdep.so.1" in failed.stderr
    assert not list((tmp_path / "out").glob("*.zip"))
    # The same layer, built without the checks, is what the audit judges: the same file, the same error.
    built = build(reqs, tmp_path / "out", "--no-verify")
    assert built.code == 0, built.stderr
    audit = run_cli("audit", str(tmp_path / "out" / ZIP), "--format", "json")
    assert audit.code == 1
    errors = [(f["rule"], f["file"]) for f in json.loads(audit.stdout)["findings"] if f["severity"] == "error"]
    assert errors == [("LB303", so_path)]


def test_provided_libraries_in_the_audit_config_let_build_and_audit_pass_alike(tmp_path, cache_dir):
    native, _ = _native_wheels(tmp_path)
    config = '[tool.layerbuild.audit]\nprovided-libraries = ["libdep.so.1"]\n'
    reqs = project(tmp_path, [native], ["userlib"], pyproject=config)
    result = build(reqs, tmp_path / "out")
    assert result.code == 0, result.stderr
    audit = run_cli("audit", str(tmp_path / "out" / ZIP), cwd=reqs.parent)
    assert audit.code == 0, audit.stdout + audit.stderr


def test_a_package_with_a_known_headless_alternative_is_named_in_build_and_audit(tmp_path, cache_dir):
    """A package called opencv-python whose cv2 links libGL.so.1, as the real one's Qt libraries do."""
    native, so_path = _native_wheels(tmp_path, dist="opencv-python", package="cv2", needed="libGL.so.1")
    reqs = project(tmp_path, [native], ["opencv-python"])
    failed = build(reqs, tmp_path / "out")
    assert failed.code == 1
    assert "use opencv-python-headless instead of opencv-python" in last_line(failed)
    assert build(reqs, tmp_path / "out", "--no-verify").code == 0
    audit = run_cli("audit", str(tmp_path / "out" / ZIP), "--format", "json")
    [found] = [f for f in json.loads(audit.stdout)["findings"] if f["rule"] == "LB303"]
    assert found["file"] == so_path and "use opencv-python-headless instead of opencv-python" in found["message"]


# --- test files the build keeps on purpose are no audit finding ------------------------------------

KEEPS_A_TEST_FILE = (
    "keeper",
    "1.0",
    {
        "keeper/__init__.py": "from keeper.tests.fixtures import SAMPLE\n",
        "keeper/tests/__init__.py": "",
        "keeper/tests/fixtures.py": "SAMPLE = 1\n",
        "keeper/tests/test_keeper.py": "def test():\n    pass\n",
    },
    [],
)


@pytest.mark.parametrize("bytecode", ["alongside", "only"])
def test_the_audit_does_not_report_test_files_the_build_kept_because_a_module_imports_them(
    tmp_path, cache_dir, bytecode
):
    reqs = project(tmp_path, [KEEPS_A_TEST_FILE], ["keeper"])
    result = build(reqs, tmp_path / "out", "--bytecode", bytecode, "--no-verify")
    assert result.code == 0, result.stderr
    names = zipfile.ZipFile(tmp_path / "out" / ZIP).namelist()
    kept = [n for n in names if "/tests/" in n]
    assert any(n.startswith("python/keeper/tests/fixtures.py") for n in kept), names  # .py or sourceless .pyc
    assert not any("test_keeper" in n for n in names)
    if bytecode == "alongside" and find_interpreter("3.11"):
        assert "python/keeper/tests/__pycache__/fixtures.cpython-311.pyc" in kept
    audit = run_cli("audit", str(tmp_path / "out" / ZIP), "--format", "json")
    assert audit.code == 0
    assert [f for f in json.loads(audit.stdout)["findings"] if f["rule"] == "LB202"] == []


def test_the_audit_still_reports_the_test_files_the_build_would_remove(tmp_path, cache_dir):
    reqs = project(tmp_path, [KEEPS_A_TEST_FILE], ["keeper"])
    assert build(reqs, tmp_path / "out", "--slim", "none", "--bytecode", "none", "--no-verify").code == 0
    audit = run_cli("audit", str(tmp_path / "out" / ZIP), "--format", "json")
    [found] = [f for f in json.loads(audit.stdout)["findings"] if f["rule"] == "LB202"]
    assert found["package"] == "keeper" and found["message"].startswith("keeper: 1 files")  # test_keeper.py only
