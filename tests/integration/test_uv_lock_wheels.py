"""A uv.lock version with no wheel for the target (issue 14, item 6): built from its locked sdist (sent to
the build container under --backend auto), or, with no sdist locked, refused in one line naming the locked
version and the newest version that has a wheel for the target — never replaced. The lock is made by the
real `uv lock`: numpy 2.2.6 has wheels up to CPython 3.13, none for python3.14."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from layerbuild.errors import InputError
from layerbuild.model.target import Target
from layerbuild.resolve.inputs import ProjectOptions
from layerbuild.resolve.inputs.uv_lock import read, toml_file
from layerbuild.util.interpreters import find_interpreter
from layerbuild.util.uvtool import uv_binary

from ..conftest import run_cli

pytestmark = pytest.mark.network


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    app = tmp_path_factory.mktemp("nowheel")
    (app / "pyproject.toml").write_text(
        '[project]\nname = "old-numpy"\nversion = "0.1.0"\nrequires-python = ">=3.12"\n'
        'dependencies = ["numpy==2.2.6", "six"]\n'
    )
    python = find_interpreter("3.12")
    subprocess.run([uv_binary(), "lock", "--quiet", "--python", str(python)], cwd=app, check=True)
    return app


def test_the_lock_says_no_wheel_runs_there_and_one_does_on_313(project):
    numpy = next(p for p in toml_file(project / "uv.lock")["package"] if p["name"] == "numpy")
    names = [w["url"].rsplit("/", 1)[-1] for w in numpy["wheels"]]
    assert not any(Target("python3.14", "x86_64").accepts(n) for n in names)
    assert any(Target("python3.13", "x86_64").accepts(n) for n in names)


def test_a_version_without_a_wheel_is_built_from_its_locked_sdist(project, tmp_path):
    lines = read(project / "uv.lock", ProjectOptions(), "3.14").lines
    assert "--no-binary numpy" in lines and not any(line.startswith("--no-binary six") for line in lines)
    assert "--no-binary numpy" not in read(project / "uv.lock", ProjectOptions(), "3.13").lines
    out = tmp_path / "lock.txt"
    done = run_cli(
        "lock", str(project), "--runtime", "python3.14", "-o", str(out), env={"LAYERBUILD_CACHE_DIR": str(tmp_path)}
    )
    assert done.code == 0, done.stderr
    text = out.read_text()
    assert "build-from-source=numpy" in text and "numpy==2.2.6" in text  # the locked version, not another


def test_a_version_without_a_wheel_or_an_sdist_is_refused_naming_the_newest_that_has_one(project, tmp_path):
    lock = (project / "uv.lock").read_text()
    start = lock.index('name = "numpy"')
    sdist = lock.index("sdist = ", start)
    edited = tmp_path / "uv.lock"
    edited.write_text(lock[:sdist] + lock[lock.index("\n", sdist) + 1 :])
    (tmp_path / "pyproject.toml").write_text((project / "pyproject.toml").read_text())
    newest = subprocess.run(
        [uv_binary(), "pip", "compile", "-", "--python-version", "3.14", "--python-platform",
         "x86_64-manylinux_2_34", "--only-binary", ":all:", "--no-header", "--no-annotate", "--quiet"],
        input="numpy\n", capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    assert newest.startswith("numpy==")
    with pytest.raises(InputError) as caught:
        read(edited, ProjectOptions(), "3.14", "x86_64")
    message = str(caught.value)
    assert "numpy==2.2.6" in message and "python3.14" in message and "\n" not in message
    assert f"the newest version with one is {newest.split('==')[1]}" in message
