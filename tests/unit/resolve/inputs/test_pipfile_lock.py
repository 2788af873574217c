"""Pipfile.lock (a real `pipenv lock`): `default` only at the locked versions with the lock's hashes,
`develop` never, markers for the runtime, Pipenv's hash of the Pipfile as the staleness check."""

from __future__ import annotations

import json

import pytest

from layerbuild.errors import InputError
from layerbuild.resolve.inputs import ProjectOptions
from layerbuild.resolve.inputs.locked_lines import load_toml
from layerbuild.resolve.inputs.pipfile_lock import pipfile_hash, read

from .lock_helpers import DATA, copy, holds, locked, versions

BILLING = "pipenv-billing"


def _lock(folder):
    return json.loads((folder / "Pipfile.lock").read_text())


def test_default_only_at_the_locked_versions_with_the_locks_hashes(tmp_path):
    folder = copy(BILLING, tmp_path)
    data = _lock(folder)
    want = {n: e["version"][2:] for n, e in data["default"].items() if holds(e.get("markers"), "3.12")}
    lock = locked(folder)
    assert versions(lock) == want
    assert "colorama" not in want  # sys_platform == 'win32'
    assert not (set(data["develop"]) - set(data["default"])) & versions(lock).keys()  # pytest, moto, ...
    for pin in lock.pins:
        assert set(pin.hashes) == set(data["default"][pin.name]["hashes"])


def test_the_hash_is_pipenvs():
    assert (
        pipfile_hash(load_toml(DATA / BILLING / "Pipfile", "Pipfile"))
        == _lock(DATA / BILLING)["_meta"]["hash"]["sha256"]
    )


def test_a_stale_lock_names_pipenv_lock_unless_no_check_lock(tmp_path):
    folder = copy(BILLING, tmp_path)
    pipfile = folder / "Pipfile"
    pipfile.write_text(pipfile.read_text().replace('jmespath = "*"', 'jmespath = ">=1"'))
    with pytest.raises(InputError, match=r"stale .*`pipenv lock`"):
        read(folder / "Pipfile.lock", ProjectOptions(), "3.12")
    assert "jmespath" in versions(locked(folder, check_lock=False))


def test_the_python_version_is_the_projects_constraint(tmp_path):
    folder = copy(BILLING, tmp_path)
    with pytest.raises(InputError, match="requires Python ==3.12.*python3.11"):
        locked(folder, runtime="python3.11")


@pytest.mark.parametrize(
    "text,message",
    [
        ('{"default": {', "not valid JSON"),
        ('{"_meta": {"pipfile-spec": 7}, "default": {}}', "unknown Pipfile.lock version"),
        ("[1, 2]", "not a Pipfile.lock"),
    ],
)
def test_bad_locks_are_one_line(tmp_path, text, message):
    (tmp_path / "Pipfile.lock").write_text(text)
    with pytest.raises(InputError, match=message):
        read(tmp_path / "Pipfile.lock", ProjectOptions(), "3.12")
