"""Every kind of source a uv.lock names, locked by the real `uv lock` at test time: a git dependency (a
local repository), a wheel URL, a local wheel file (`path`), registry packages only one machine needs, and
a fork by machine (one version per architecture). The lines match `uv export --frozen` for each machine,
and the layers built for x86_64 and arm64 hold exactly that machine's packages at the lock's versions."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from layerbuild.resolve.inputs import ProjectOptions
from layerbuild.resolve.inputs.uv_lock import read
from layerbuild.util.uvtool import uv_binary

from ..conftest import make_wheel, run_cli
from ..unit.resolve.inputs.uv_helpers import selected, uv_export

pytestmark = pytest.mark.network

_INICONFIG = (
    "https://files.pythonhosted.org/packages/ef/a6/62565a6e1cf69e10f5727360368e451d4b7f58beeac6173dc9db836a5b46/"
    "iniconfig-2.0.0-py3-none-any.whl"
)


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("sources")
    repo = base / "gitpkg"
    (repo / "gitpkg").mkdir(parents=True)
    (repo / "gitpkg" / "__init__.py").write_text("X = 1\n")
    (repo / "pyproject.toml").write_text(
        '[project]\nname = "gitpkg"\nversion = "0.2.0"\n'
        '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'
    )
    git = ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", "-c", "init.defaultBranch=main"]
    for args in (["init", "-q"], ["add", "."], ["commit", "-qm", "init"]):
        subprocess.run([*git, *args], cwd=repo, check=True)
    app = base / "app"
    make_wheel(app / "wheels", "localwheel", "1.0", {"localwheel/__init__.py": "Y = 2\n"})
    (app / "pyproject.toml").write_text(
        f"""[project]
name = "app"
version = "0.1.0"
requires-python = ">=3.10"
dependencies = [
  "iniconfig @ {_INICONFIG}",
  "gitpkg",
  "localwheel",
  "six; platform_machine == 'aarch64'",
  "idna; platform_machine == 'x86_64'",
  "packaging==24.2; platform_machine == 'x86_64'",
  "packaging==25.0; platform_machine != 'x86_64'",
]
[tool.uv.sources]
gitpkg = {{ git = "{repo.as_uri()}", rev = "main" }}
localwheel = {{ path = "wheels/localwheel-1.0-py3-none-any.whl" }}
"""
    )
    subprocess.run([uv_binary(), "lock", "--quiet"], cwd=app, check=True)
    return app


@pytest.mark.parametrize("machine", ["x86_64", "aarch64"])
def test_every_source_kind_matches_uv_export_for_each_machine(project, machine):
    exported = uv_export(project, "--no-emit-project")
    expected = selected(exported, project, "3.12", machine)
    for told in (machine, None):
        lines = "\n".join(read(project / "uv.lock", ProjectOptions(), "3.12", told).lines) + "\n"
        assert selected(lines, project, "3.12", machine) == expected
    assert "gitpkg @ git+file://" in lines and f"iniconfig @ {_INICONFIG}" in lines
    assert f"localwheel @ {(project / 'wheels' / 'localwheel-1.0-py3-none-any.whl').as_uri()}" in lines


@pytest.mark.parametrize("arch,machine_only,version", [("x86_64", "idna", "24.2"), ("arm64", "six", "25.0")])
def test_each_architectures_layer_holds_that_machines_packages(project, tmp_path, arch, machine_only, version):
    env = {"LAYERBUILD_CACHE_DIR": str(tmp_path / "cache")}
    out = tmp_path / "out"
    built = run_cli("build", str(project), "--runtime", "python3.12", "--arch", arch, "-o", str(out), env=env)
    assert built.code == 0, built.stderr
    (report_file,) = out.glob("*.report.json")
    report = json.loads(report_file.read_text())
    packages = {p["name"]: p["version"] for p in report["packages"]}
    other = {"idna", "six"} - {machine_only}
    assert set(packages) == {"iniconfig", "gitpkg", "localwheel", "packaging", machine_only}, packages
    assert packages["packaging"] == version and packages["iniconfig"] == "2.0.0" and not other & set(packages)
    assert report["imports_verified"]["failures"] == []
