"""A uv.lock stale against its pyproject files is refused in one line that says to run `uv lock` (issue 14,
item 8), unless `--no-check-lock`. uv is the oracle: after each edit of a copy of the committed workspace,
our verdict must be `uv lock --check`'s (edits that change nothing uv records must stay fresh)."""

from __future__ import annotations

import subprocess

import pytest

from layerbuild.errors import InputError
from layerbuild.resolve.inputs import ProjectOptions
from layerbuild.resolve.inputs.uv_lock import read
from layerbuild.util.uvtool import uv_binary

from .uv_helpers import WORKSPACE, copy_project


def _replace(old: str, new: str, file: str):
    def edit(root):
        path = root / file
        text = path.read_text()
        assert old in text, (old, file)
        path.write_text(text.replace(old, new))

    return edit


def _new_member(root):
    (root / "functions" / "fn-c").mkdir()
    (root / "functions" / "fn-c" / "pyproject.toml").write_text(
        '[project]\nname = "fn-c"\nversion = "0.1.0"\ndependencies = []\n'
    )


EDITS = {
    "nothing": lambda root: None,
    "dependency-added": _replace('"pyyaml>=6"', '"pyyaml>=6", "six"', "functions/fn-b/pyproject.toml"),
    "specifier-changed": _replace('"requests>=2.31"', '"requests>=2.32"', "functions/fn-a/pyproject.toml"),
    "dependencies-reordered": _replace(
        '"shared",\n    "requests>=2.31",', '"requests>=2.31",\n    "shared",', "functions/fn-a/pyproject.toml"
    ),
    "same-marker-written-as-uv-writes-it": _replace(
        "python_version < '3.11'", "python_full_version < '3.11'", "functions/fn-a/pyproject.toml"
    ),
    "marker-changed": _replace("python_version < '3.11'", "python_version < '3.12'", "functions/fn-a/pyproject.toml"),
    "extra-changed": _replace('"orjson>=3.9"', '"orjson>=3.10"', "functions/fn-a/pyproject.toml"),
    "description-changed": _replace("Reads order rules", "Reads rules", "functions/fn-b/pyproject.toml"),
    "group-added": _replace('lint = ["ruff>=0.6"]', 'lint = ["ruff>=0.6"]\ndocs = ["mkdocs"]', "pyproject.toml"),
    "included-group-changed": _replace('"ruff>=0.6"', '"ruff>=0.7"', "pyproject.toml"),
    "member-group-changed": _replace('"responses>=0.25"', '"responses>=0.26"', "functions/fn-a/pyproject.toml"),
    "member-added": _new_member,
    "library-dependency-changed": _replace('"attrs>=23.1"', '"attrs>=24"', "libs/shared/pyproject.toml"),
}


@pytest.mark.parametrize("edit", EDITS)
def test_stale_exactly_when_uv_lock_check_says_so_and_the_line_says_to_run_uv_lock(edit, tmp_path):
    root = copy_project(WORKSPACE, tmp_path / "ws")
    EDITS[edit](root)
    uv = subprocess.run(
        [uv_binary(), "lock", "--check", "--offline"],
        cwd=root,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "UV_NO_PROGRESS": "1", "UV_CACHE_DIR": str(tmp_path / "uv-cache")},
    )
    uv_fresh = uv.returncode == 0
    try:
        read(root / "uv.lock", ProjectOptions(package="fn-a"), "3.12")
        fresh = True
    except InputError as exc:
        fresh = False
        assert "stale" in str(exc) and "uv lock" in str(exc) and "\n" not in str(exc)
    assert fresh == uv_fresh, uv.stderr
    # --no-check-lock: the lock is used as it is.
    read(root / "uv.lock", ProjectOptions(package="fn-a", check_lock=False), "3.12")
