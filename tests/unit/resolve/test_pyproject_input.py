"""pyproject.toml as a build source (resolve/inputs/pyproject.py, poetry_pyproject.py) and how a folder's
manifest is found (resolve/inputs/__init__.py): what the lines hold for the options asked, never more."""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

from layerbuild.errors import InputError
from layerbuild.facts.runtimes import RUNTIMES
from layerbuild.resolve.inputs import (
    DISCOVERY_ORDER,
    ProjectOptions,
    allows,
    default_runtime,
    find_manifest,
    read_manifest,
)
from layerbuild.resolve.inputs.poetry_pyproject import to_pep440

PEP621 = """
[project]
name = "shop-api"
version = "1.0"
requires-python = ">=3.11"
dependencies = ["requests>=2.31", "shop-api[fast]"]

[project.optional-dependencies]
fast = ["orjson"]
aws = ["boto3-stubs"]

[dependency-groups]
lint = ["ruff"]
test = ["pytest", {include-group = "lint"}]
dev = [{include-group = "test"}, "ipython"]
"""

POETRY = """
[tool.poetry]
name = "billing"
version = "0.1.0"

[tool.poetry.dependencies]
python = "^3.11"
pydantic = "^2.5"
attrs = {version = "~23.1", extras = ["tests"]}
tomli = {version = "*", python = "<3.11"}
pywin32 = {version = "*", platform = "win32"}
httpx = {version = "0.27.*", optional = true}

[tool.poetry.extras]
http = ["httpx"]

[tool.poetry.group.dev.dependencies]
pytest = "^8"

[tool.poetry.group.docs.dependencies]
mkdocs = ">=1.5 <2"
"""


def _names(lines) -> set[str]:
    return {Requirement(line).name for line in lines}


def _write(tmp_path: Path, text: str, name: str = "pyproject.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_project_dependencies_alone_by_default_and_a_self_extra_is_expanded_not_resolved(tmp_path):
    m = read_manifest(_write(tmp_path, PEP621), ProjectOptions(), "3.12")
    assert m.kind == "pyproject" and not m.locked and m.requires_python == ">=3.11"
    assert _names(m.lines) == {"requests", "orjson"}  # no dev, test, lint group; shop-api[fast] -> orjson


def test_extras_and_groups_add_to_them_with_include_group_followed(tmp_path):
    path = _write(tmp_path, PEP621)
    assert _names(read_manifest(path, ProjectOptions(extras=("aws",)), "3.12").lines) == {
        "requests",
        "orjson",
        "boto3-stubs",
    }
    dev = read_manifest(path, ProjectOptions(groups=("dev",)), "3.12")
    assert _names(dev.lines) == {"requests", "orjson", "pytest", "ruff", "ipython"}


def test_unknown_group_or_extra_is_one_line_naming_what_exists(tmp_path):
    path = _write(tmp_path, PEP621)
    with pytest.raises(InputError, match=r"--group docs.*no dependency group 'docs'.*dev, lint, test"):
        read_manifest(path, ProjectOptions(groups=("docs",)), "3.12")
    with pytest.raises(InputError, match=r"--extra s3.*aws, fast"):
        read_manifest(path, ProjectOptions(extras=("s3",)), "3.12")


def test_include_group_cycle_is_refused(tmp_path):
    path = _write(tmp_path, '[dependency-groups]\na = [{include-group = "b"}]\nb = [{include-group = "a"}]\n')
    with pytest.raises(InputError, match="cycle"):
        read_manifest(path, ProjectOptions(groups=("a",)), "3.12")


def test_include_project_adds_the_project_as_a_local_file_url(tmp_path):
    m = read_manifest(_write(tmp_path, PEP621), ProjectOptions(include_project=True), "3.12")
    assert f"shop-api @ {tmp_path.resolve().as_uri()}" in m.lines


def test_poetry_main_dependencies_for_the_target_with_constraints_as_poetry_means_them(tmp_path):
    path = _write(tmp_path, POETRY)
    m = read_manifest(path, ProjectOptions(), "3.12")
    reqs = {Requirement(line).name: Requirement(line) for line in m.lines}
    assert set(reqs) == {"pydantic", "attrs"}  # tomli is for Python < 3.11, pywin32 for Windows, httpx optional
    assert reqs["attrs"].extras == {"tests"}
    assert reqs["pydantic"].specifier.contains("2.11.0") and not reqs["pydantic"].specifier.contains("3.0.0")
    assert reqs["attrs"].specifier.contains("23.2.0") is False and reqs["attrs"].specifier.contains("23.1.5")
    assert allows(m.requires_python, "3.13", path) and not allows(m.requires_python, "3.10", path)
    older = read_manifest(path, ProjectOptions(), "3.10")
    assert "tomli" in _names(older.lines)
    assert "httpx" in _names(read_manifest(path, ProjectOptions(extras=("http",)), "3.12").lines)
    docs = read_manifest(path, ProjectOptions(groups=("docs",)), "3.12")
    assert "mkdocs" in _names(docs.lines) and "pytest" not in _names(docs.lines)


@pytest.mark.parametrize(
    ("poetry", "inside", "outside"),
    [
        ("^1.2.3", ["1.2.3", "1.9"], ["1.2.2", "2.0.0"]),
        ("^0.2.3", ["0.2.9"], ["0.3.0"]),
        ("^0.0.3", ["0.0.3"], ["0.0.4"]),
        ("~1.2.3", ["1.2.9"], ["1.3.0"]),
        ("~1", ["1.9"], ["2.0"]),
        ("1.2.*", ["1.2.7"], ["1.3"]),
        ("1.4", ["1.4"], ["1.4.1"]),
        (">= 1.2, < 2.0", ["1.5"], ["2.0"]),
        (">=1.2 <2.0", ["1.5"], ["2.0"]),
    ],
)
def test_poetry_constraints_admit_what_poetry_admits(poetry, inside, outside):
    spec = SpecifierSet(to_pep440(poetry, "x"))
    assert all(spec.contains(v) for v in inside) and not any(spec.contains(v) for v in outside)


def test_a_lock_beats_its_pyproject_and_a_tooling_pyproject_does_not_beat_requirements(tmp_path):
    for name in reversed(DISCOVERY_ORDER):
        (tmp_path / name).write_text('[project]\nname = "x"\n' if name == "pyproject.toml" else "")
        assert find_manifest(tmp_path)[1].name == name  # the one just written comes first in the order
    tooling = tmp_path / "fn"
    tooling.mkdir()
    (tooling / "pyproject.toml").write_text("[tool.ruff]\nline-length = 100\n")
    (tooling / "requirements.txt").write_text("six\n")
    assert find_manifest(tooling) == ("requirements", tooling / "requirements.txt")


def test_runtime_defaults_to_the_newest_the_project_allows(tmp_path):
    newest = max(RUNTIMES, key=lambda r: tuple(map(int, RUNTIMES[r][0].split("."))))
    _write(tmp_path, PEP621)
    assert default_runtime(tmp_path, ProjectOptions(), "python3.12") == newest
    _write(tmp_path, PEP621.replace(">=3.11", ">=3.11,<3.13"))
    assert default_runtime(tmp_path, ProjectOptions(), "python3.12") == "python3.12"
    _write(tmp_path, PEP621.replace('requires-python = ">=3.11"\n', ""))
    assert default_runtime(tmp_path, ProjectOptions(), "python3.11") == "python3.11"  # no constraint: as asked
