"""poetry.lock (real locks by Poetry 2.5, lock-version 2.1, and Poetry 1.8, lock-version 2.0; the 1.1
layout rewritten from the real 2.0 lock): the runtime dependencies at the locked versions with the lock's
hashes, dev/test groups only when named, markers for the runtime, the content-hash staleness check."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from layerbuild.errors import InputError
from layerbuild.resolve.inputs import ProjectOptions
from layerbuild.resolve.inputs.locked_lines import load_toml
from layerbuild.resolve.inputs.poetry_lock import content_hash, read

from .lock_helpers import copy, holds, locked, versions

ORDERS = "poetry-orders-api"  # Poetry 2.5.1, lock-version 2.1 (groups + markers per package)
THUMBS = "poetry18-thumbnailer"  # Poetry 1.8.5, lock-version 2.0 (no groups)
REPORTS = "poetry-pep621-reports"  # Poetry 2.5.1, lock-version 2.1, [project] + [dependency-groups]


def _lock(folder: Path) -> dict:
    return load_toml(folder / "poetry.lock", "poetry.lock")


def _by_groups(folder: Path, groups: set[str], python: str, extras: tuple[str, ...] = ()) -> dict[str, str]:
    """The truth from Poetry's own per-package `groups` and `markers` (lock 2.1), not from the graph."""
    out = {}
    for pkg in _lock(folder)["package"]:
        markers = pkg.get("markers")
        for g in set(pkg["groups"]) & groups:
            if holds(markers.get(g) if isinstance(markers, dict) else markers, python, extras=extras):
                out[pkg["name"].lower()] = pkg["version"]
    return out


@pytest.mark.parametrize("python,runtime", [("3.12", "python3.12"), ("3.10", "python3.10")])
def test_main_group_walked_from_pyproject_equals_poetrys_groups(tmp_path, python, runtime):
    folder = copy(ORDERS, tmp_path)
    lock = locked(folder / "poetry.lock", runtime=runtime) if python == "3.12" else None
    got = (
        versions(lock)
        if lock
        else {
            line.split("==")[0]: line.split("==")[1].split()[0]
            for line in read(folder / "poetry.lock", ProjectOptions(), python).lines
            if "==" in line
        }
    )
    assert got == _by_groups(folder, {"main"}, python)
    assert ("tomli" in got) == (python == "3.10")  # tomli = {python = "<3.11"}


def test_dev_and_test_groups_only_when_named(tmp_path):
    folder = copy(ORDERS, tmp_path)
    main = versions(locked(folder))
    assert not {"black", "pytest", "coverage"} & main.keys()
    with_test = versions(locked(folder, groups=("test",)))
    assert with_test == _by_groups(folder, {"main", "test"}, "3.12")
    assert {"pytest", "coverage"} <= with_test.keys() and "black" not in with_test


def test_hashes_are_the_locks_and_the_graph_is_annotated(tmp_path):
    folder = copy(ORDERS, tmp_path)
    files = {p["name"].lower(): {f["hash"] for f in p["files"]} for p in _lock(folder)["package"]}
    lock = locked(folder)
    for pin in lock.pins:
        assert pin.hashes and set(pin.hashes) == files[pin.name]
    assert "requests" in lock.pin("urllib3").required_by and lock.pin("requests").direct


def test_content_hash_is_poetrys_for_both_real_locks():
    from .lock_helpers import DATA

    for name in (ORDERS, THUMBS, REPORTS):
        pyproject = load_toml(DATA / name / "pyproject.toml", "pyproject")
        assert content_hash(pyproject) == _lock(DATA / name)["metadata"]["content-hash"]


def test_a_stale_lock_is_one_line_naming_poetry_lock_unless_no_check_lock(tmp_path):
    folder = copy(ORDERS, tmp_path)
    pyproject = folder / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('attrs = ">=23"', 'attrs = ">=22"'))
    with pytest.raises(InputError, match=r"stale .*`poetry lock`"):
        read(folder / "poetry.lock", ProjectOptions(), "3.12")
    assert "attrs" in versions(locked(folder, check_lock=False))
    pyproject.write_text(pyproject.read_text() + '\n[tool.poetry.group.extra.dependencies]\nboto3 = "*"\n')
    with pytest.raises(InputError, match="does not lock boto3.*`poetry lock`"):
        read(folder / "poetry.lock", ProjectOptions(groups=("extra",), check_lock=False), "3.12")


def test_a_lock_without_groups_is_walked_from_pyproject(tmp_path):
    folder = copy(THUMBS, tmp_path)
    pyproject = load_toml(folder / "pyproject.toml", "pyproject")["tool"]["poetry"]
    got = versions(locked(folder))
    assert {"pillow", "python-dateutil", "six"} <= got.keys()
    assert not {d.lower() for d in pyproject["dev-dependencies"]} & got.keys()
    assert "typing-extensions" not in got  # python = "<3.10"
    assert got == {p["name"].lower(): p["version"] for p in _lock(folder)["package"] if p["name"].lower() in got}


def test_lock_format_1_1_reads_as_its_2_0_original(tmp_path):
    """The 1.1 layout (`category`, `[metadata.files]`), rewritten from the real 2.0 lock."""
    folder = copy(THUMBS, tmp_path)
    want = locked(folder)
    text = (folder / "poetry.lock").read_text()
    files: dict[str, str] = {}

    def move(m: re.Match[str]) -> str:
        files[m["name"]] = m["files"]
        return f'name = "{m["name"]}"{m["mid"]}category = "main"\n'

    text = re.sub(r'name = "(?P<name>[^"]+)"(?P<mid>.*?)files = (?P<files>\[.*?\n\])\n', move, text, flags=re.S)
    text = text.replace('lock-version = "2.0"', 'lock-version = "1.1"')
    text += "\n[metadata.files]\n" + "".join(f'"{n}" = {f}\n' for n, f in files.items())
    (folder / "poetry.lock").write_text(text)
    assert "category" in text and "[metadata.files]" in text
    assert locked(folder).pins == want.pins


@pytest.mark.parametrize(
    "text,message",
    [
        ("[[package]\nname = 'x'\n", "not valid TOML"),
        ('[metadata]\nlock-version = "3.0"\n', "unknown poetry.lock version 3.0"),
    ],
)
def test_bad_locks_are_one_line(tmp_path, text, message):
    (tmp_path / "poetry.lock").write_text(text)
    with pytest.raises(InputError, match=message):
        read(tmp_path / "poetry.lock", ProjectOptions(), "3.12")


def test_a_group_that_does_not_exist_is_refused(tmp_path):
    folder = copy(ORDERS, tmp_path)
    with pytest.raises(InputError, match="no dependency group 'docs'.*dev, test"):
        read(folder / "poetry.lock", ProjectOptions(groups=("docs",)), "3.12")


def test_pep621_dependencies_extras_and_pep735_groups(tmp_path):
    folder = copy(REPORTS, tmp_path)
    main = versions(locked(folder))
    assert main == _by_groups(folder, {"main"}, "3.12")
    assert not {"pytest", "mypy", "openpyxl"} & main.keys() and "uvloop" in main
    assert versions(locked(folder, extras=("excel",))) == _by_groups(folder, {"main"}, "3.12", ("excel",))
    with_dev = versions(locked(folder, groups=("dev",)))
    assert with_dev == _by_groups(folder, {"main", "dev"}, "3.12") and {"pytest", "mypy"} <= with_dev.keys()


def test_a_lock_without_its_pyproject_is_read_by_its_own_groups(tmp_path):
    folder = copy(ORDERS, tmp_path)
    (folder / "pyproject.toml").unlink()
    assert versions(locked(folder)) == _by_groups(folder, {"main"}, "3.12")
    assert versions(locked(folder, groups=("dev",))) == _by_groups(folder, {"main", "dev"}, "3.12")
