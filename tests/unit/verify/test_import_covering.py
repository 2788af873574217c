"""One interpreter checks a module and what it imports whole of the distributions it requires
(verify/covering.py): real builds of tiny wheels, real interpreters."""

from __future__ import annotations

from ..test_slim_smoke import build, needs_311, project

# `app` requires `lib` and imports it; `other` is unrelated; `needy` imports only once `app` is loaded
# and is imported by `app`, which does not declare it.
LIB = ("lib", {"lib/__init__.py": "X = 1\n"}, [])
APP = ("app", {"app/__init__.py": "import lib\nimport other\nY = lib.X\n"}, ["lib"])
OTHER = ("other", {"other/__init__.py": "Z = 2\n"}, [])
NEEDY = (
    "needy",
    {"needy/__init__.py": "import sys\nif 'app' not in sys.modules:\n    raise ImportError('import app first')\n"},
    [],
)


@needs_311
def test_a_module_a_client_imports_whole_of_what_it_requires_is_checked_by_the_clients_interpreter(tmp_path, cache_dir):
    reqs = project(tmp_path, [LIB, APP, OTHER], ["app", "other"])
    result = build(reqs, tmp_path / "out")
    assert result.code == 0, result.stderr
    # lib is covered by app's check; other is imported by app too, but app does not require it: own check
    assert "1 of 3 modules were imported whole by another module's check" in result.stderr


@needs_311
def test_a_failing_client_stands_for_nothing_and_its_dependency_is_checked_on_its_own(tmp_path, cache_dir):
    broken = ("app", {"app/__init__.py": "import lib\nraise RuntimeError('app is broken')\n"}, ["lib"])
    reqs = project(tmp_path, [LIB, broken], ["app"])
    result = build(reqs, tmp_path / "out")
    assert result.code == 1, result.stderr
    line = result.stderr.strip().splitlines()[-1]
    assert "import smoke test failed for 1 module(s): app (app)" in line
    assert "lib (lib)" not in line
    assert "imported whole by another module's check" not in result.stderr


@needs_311
def test_a_module_imported_by_a_distribution_that_does_not_require_it_is_checked_alone(tmp_path, cache_dir):
    app = ("app", {"app/__init__.py": "import needy\n"}, [])
    reqs = project(tmp_path, [app, NEEDY], ["app", "needy"])
    result = build(reqs, tmp_path / "out")
    assert result.code == 0, result.stderr
    assert "imported whole by another module's check" not in result.stderr
    # its own interpreter failed, then passed with app imported first, as the user's handler would meet it
    assert "needy (needy) imports only after app" in result.stderr
