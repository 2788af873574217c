"""uv.lock -> locked lines (issue 14, items 3 and 6): the lock's versions and hashes for the project or
`--package` member asked for, its markers evaluated for the target. uv itself is the oracle: `uv export
--frozen` reads the same committed lock (tests/data/uv-*, made by the real `uv lock`) and its lines, filtered
by their markers for the same target, must be exactly ours."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from layerbuild.errors import InputError
from layerbuild.model.target import Target
from layerbuild.resolve.inputs import ProjectOptions
from layerbuild.resolve.inputs.uv_lock import read, toml_file
from layerbuild.resolve.locked import lock_from_file
from layerbuild.resolve.requirements import read_requirements

from .uv_helpers import FORK, WORKSPACE, selected, uv_export

PYTHONS = ("3.10", "3.12", "3.13")
MACHINES = ("x86_64", "aarch64")

# (our options, the same request to `uv export`)
REQUESTS = [
    (ProjectOptions(package="fn-a"), ["--package", "fn-a", "--no-emit-project"]),
    (ProjectOptions(package="fn-b"), ["--package", "fn-b", "--no-emit-project"]),
    (ProjectOptions(package="shared"), ["--package", "shared", "--no-emit-project"]),
    (
        ProjectOptions(package="fn-a", extras=("fast",), groups=("test",), include_project=True),
        ["--package", "fn-a", "--extra", "fast", "--group", "test"],
    ),
    (ProjectOptions(), ["--no-emit-project"]),
    (ProjectOptions(groups=("lint",)), ["--no-emit-project", "--group", "lint"]),
]


def _ours(lock: Path, options: ProjectOptions, python: str, machine: str | None = None) -> str:
    return "\n".join(read(lock, options, python, machine).lines) + "\n"


@pytest.mark.parametrize("options,export_args", REQUESTS, ids=lambda x: str(x)[:60])
@pytest.mark.parametrize("python", PYTHONS)
def test_the_lines_are_exactly_what_uv_exports_from_the_lock_for_the_target(options, export_args, python):
    exported = uv_export(WORKSPACE, *export_args)
    for machine in MACHINES:
        expected = selected(exported, WORKSPACE, python, machine)
        # Told the machine, and told only the Python (both machines read at once, markers left for the install).
        for told in (machine, None):
            got = selected(_ours(WORKSPACE / "uv.lock", options, python, told), WORKSPACE, python, machine)
            assert got == expected


def test_a_function_gets_its_own_dependencies_and_shared_but_not_the_other_functions_nor_the_dev_group():
    lines = _ours(WORKSPACE / "uv.lock", ProjectOptions(package="fn-a"), "3.12")
    names = {name for name, _ in selected(lines, WORKSPACE, "3.12", "x86_64")}
    fn_b = {name for name, _ in selected(uv_export(WORKSPACE, "--package", "fn-b"), WORKSPACE, "3.12", "x86_64")}
    dev = {n for n, _ in selected(uv_export(WORKSPACE, "--only-group", "dev"), WORKSPACE, "3.12", "x86_64")}
    assert "requests" in names and "local" in names  # its own, and the shared member as a local line
    assert f"shared @ {(WORKSPACE / 'libs' / 'shared').as_uri()}" in lines
    assert "pyyaml" in fn_b and not (fn_b - {"local", "attrs"}) & names  # nothing only fn-b needs
    assert "pytest" in dev and not dev & names
    assert "click" not in names  # the root's own dependencies are not the member's
    assert "fn-a @" not in lines and "fn-b" not in lines and "orders-service" not in lines


def test_the_project_itself_is_in_only_when_asked_and_a_virtual_root_never():
    plain = _ours(WORKSPACE / "uv.lock", ProjectOptions(package="fn-a"), "3.12")
    included = _ours(WORKSPACE / "uv.lock", ProjectOptions(package="fn-a", include_project=True), "3.12")
    assert "fn-a @" not in plain
    assert f"fn-a @ {(WORKSPACE / 'functions' / 'fn-a').as_uri()}" in included
    root = _ours(WORKSPACE / "uv.lock", ProjectOptions(include_project=True), "3.12")
    assert "orders-service" not in root and "click==" in root  # virtual: walked through, never installed


def test_markers_are_evaluated_for_the_runtime_python():
    old = _ours(WORKSPACE / "uv.lock", ProjectOptions(package="fn-a"), "3.10")
    new = _ours(WORKSPACE / "uv.lock", ProjectOptions(package="fn-a"), "3.12")
    assert "tomli==" in old and "tomli==" not in new  # `tomli; python_version < '3.11'`


@pytest.mark.parametrize("python", ("3.10", "3.11", "3.12", "3.13", "3.14"))
def test_a_lock_that_forks_by_python_gives_the_runtimes_branch(python):
    from packaging.markers import Marker

    from .uv_helpers import lambda_env

    lock = toml_file(FORK / "uv.lock")
    branches = [p for p in lock["package"] if p["name"] == "numpy"]
    assert len(branches) >= 2  # the lock really forks
    env = lambda_env(python, "x86_64")
    (branch,) = [p for p in branches if any(Marker(m).evaluate(env) for m in p["resolution-markers"])]
    lines = _ours(FORK / "uv.lock", ProjectOptions(), python)
    assert [line.split(" ")[0] for line in lines.splitlines() if line.startswith("numpy")] == [
        f"numpy=={branch['version']}"
    ]
    hashes = {w["hash"] for w in branch["wheels"]} | {branch["sdist"]["hash"]}
    assert {h.split("=", 1)[1] for h in lines.split() if h.startswith("--hash=")} == hashes
    assert selected(lines, FORK, python, "x86_64") == selected(
        uv_export(FORK, "--no-emit-project"), FORK, python, "x86_64"
    )
    assert "pytest" not in lines  # the dev group is never in unless named


def test_the_lines_are_a_lock_lock_from_file_reads_as_it_is():
    manifest = read(WORKSPACE / "uv.lock", ProjectOptions(package="fn-a", extras=("fast",)), "3.12")
    with tempfile.TemporaryDirectory() as tmp:
        file = Path(tmp) / "requirements.txt"
        file.write_text("\n".join(manifest.lines) + "\n")
        reqs = read_requirements(file)
        lock = lock_from_file(reqs, Target("python3.12", "x86_64"))
    assert lock is not None
    locked = toml_file(WORKSPACE / "uv.lock")["package"]
    for pin in lock.pins:
        entry = next(p for p in locked if p["name"] == pin.name)
        if pin.source:
            assert pin.name == "shared" and pin.source == (WORKSPACE / "libs" / "shared").as_uri()
            continue
        assert pin.version == entry["version"]
        sdist = [entry["sdist"]["hash"]] if "sdist" in entry else []
        assert set(pin.hashes) == {w["hash"] for w in entry["wheels"]} | set(sdist)
    assert {p.name for p in lock.pins if p.direct} == {"requests", "shared", "orjson"}
    assert lock.pin("attrs").required_by == ("shared",)
    assert lock.pin("urllib3").required_by == ("requests",)
    assert "shared" in lock.build_from_source  # a member is built from its folder


def test_reading_the_lock_needs_no_index_and_no_network(monkeypatch):
    """The reader is pure: it never starts uv (so it cannot ask an index)."""
    import subprocess

    def refuse(*args, **kwargs):
        raise AssertionError(f"a process was started: {args}")

    monkeypatch.setattr(subprocess, "run", refuse)
    monkeypatch.setattr(subprocess, "Popen", refuse)
    manifest = read(WORKSPACE / "uv.lock", ProjectOptions(package="fn-b"), "3.12")
    assert any(line.startswith("pyyaml==") for line in manifest.lines)
    assert manifest.locked and manifest.kind == "uv.lock" and manifest.requires_python == ">=3.10"
    assert manifest.index_args == ()  # PyPI needs no option


def _bad(tmp_path, edit_lock=None, options=ProjectOptions(package="fn-a")) -> str:
    from .uv_helpers import copy_project

    root = copy_project(WORKSPACE, tmp_path / "ws")
    if edit_lock:
        lock = root / "uv.lock"
        lock.write_text(edit_lock(lock.read_text()))
    with pytest.raises(InputError) as caught:
        read(root / "uv.lock", options, "3.12")
    assert "\n" not in str(caught.value)
    return str(caught.value)


def test_bad_locks_and_requests_are_one_line_each(tmp_path):
    assert "version 2" in _bad(tmp_path / "1", lambda t: t.replace("version = 1\n", "version = 2\n", 1))
    assert "not valid TOML" in _bad(tmp_path / "2", lambda t: t.replace("[manifest]", "[manifest", 1))
    message = _bad(tmp_path / "3", options=ProjectOptions(package="fn-z"))
    assert "--package fn-z" in message and "fn-a, fn-b, orders-service, shared" in message
    outside = _bad(tmp_path / "4", lambda t: t.replace('editable = "libs/shared"', 'editable = "../elsewhere"'))
    assert "shared" in outside and "outside the workspace" in outside
    assert "--extra s3" in _bad(tmp_path / "5", options=ProjectOptions(package="fn-a", extras=("s3",)))
    assert "(it has: test)" in _bad(tmp_path / "6", options=ProjectOptions(package="fn-a", groups=("dev",)))
    assert "no such package" in _bad(tmp_path / "7", lambda t: t.replace('name = "idna"\n', 'name = "idna2"\n'))


def test_a_workspace_whose_root_is_no_project_needs_package(tmp_path):
    from .uv_helpers import copy_project

    root = copy_project(WORKSPACE, tmp_path / "ws")
    text = (root / "uv.lock").read_text()
    start = text.index('[[package]]\nname = "orders-service"')
    end = text.index("[[package]]", start + 5)
    (root / "uv.lock").write_text(text[:start] + text[end:])
    with pytest.raises(InputError, match="root is not a project: choose a member with --package"):
        read(root / "uv.lock", ProjectOptions(check_lock=False), "3.12")
    assert read(root / "uv.lock", ProjectOptions(package="fn-b", check_lock=False), "3.12").lines


@pytest.mark.parametrize("member", ["albatross", "bird-feeder", "seeds"])
@pytest.mark.parametrize("python", ["3.12", "3.13", "3.14"])
def test_uvs_own_example_workspace_per_member_matches_uv_export(member, python):
    """A chain of members (albatross -> bird-feeder -> seeds), each built from the lock alone."""
    from .uv_helpers import ALBATROSS

    exported = uv_export(ALBATROSS, "--package", member, "--no-emit-project")
    for machine in MACHINES:
        ours = _ours(ALBATROSS / "uv.lock", ProjectOptions(package=member), python)
        assert selected(ours, ALBATROSS, python, machine) == selected(exported, ALBATROSS, python, machine)
    if member == "albatross":
        assert "seeds @ file://" in ours and "bird-feeder @ file://" in ours and "idna==3.6" in ours


def test_a_virtual_workspace_root_is_refused_without_package_naming_the_members():
    from .uv_helpers import ALBATROSS

    with pytest.raises(InputError, match=r"choose a member with --package \(albatross, bird-feeder, seeds\)"):
        read(ALBATROSS / "uv.lock", ProjectOptions(), "3.12")
