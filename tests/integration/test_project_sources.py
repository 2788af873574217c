"""Building the projects people have (issue 14, items 1, 2, 7, 9): a folder finds its manifest, a
pyproject.toml (PEP 621 + PEP 735 groups, or Poetry's tables) becomes a layer of its runtime dependencies
only, `--include-project` adds the project, the Python constraint picks or refuses the runtime, and a SAM
function's CodeUri project is planned. Real packages from the index; the projects are written here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from layerbuild.facts.runtimes import RUNTIMES
from layerbuild.model.names import layer_zip_name

from ..conftest import run_cli

pytestmark = pytest.mark.network

RUNTIME = f"python3.{sys.version_info.minor}"  # the test's interpreter imports the layer's modules
DEV_ONLY = {"pytest", "iniconfig", "pluggy", "ruff"}


def _pyproject(folder: Path, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pyproject.toml").write_text(body)
    return folder


def _locked_names(source: str, *args: str, env: dict, cwd: Path | None = None) -> set[str]:
    """The names a lock of `source` holds (the truth the layer is held to), by `layerbuild lock`."""
    result = run_cli("-q", "lock", source, "--runtime", RUNTIME, *args, env=env, cwd=cwd)
    assert result.code == 0, result.stderr
    lines = [x for x in result.stdout.splitlines() if x and not x[0].isspace() and not x.startswith(("#", "-"))]
    return {x.split("==")[0].split(" @ ")[0].strip().lower().replace("_", "-") for x in lines}


def _layer(zip_path: Path, tmp: Path) -> tuple[set[str], Path]:
    """The distributions in a layer zip (by dist-info) and the folder it is unpacked in."""
    out = tmp / f"unzipped-{zip_path.stem}"
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(out)
    names = {p.name.split("-")[0].lower().replace("_", "-") for p in (out / "python").glob("*.dist-info")}
    return names, out / "python"


def _every_top_level_imports(report: dict, python_dir: Path) -> None:
    modules = sorted({m for p in report["packages"] for m in p["top_level"]})
    assert modules
    code = "import importlib, sys\nfor m in sys.argv[1:]:\n    importlib.import_module(m)\n"
    env = {**os.environ, "PYTHONPATH": str(python_dir)}
    done = subprocess.run([sys.executable, "-S", "-c", code, *modules], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def _matches_the_documented_schema(report: dict) -> None:
    import re

    import jsonschema

    doc = (Path(__file__).parents[2] / "docs" / "report-schema.md").read_text()
    jsonschema.validate(report, json.loads(re.search(r"```json schema\n(.*?)\n```", doc, re.S).group(1)))


PEP621 = """
[project]
name = "orders-api"
version = "0.3.0"
requires-python = ">=3.10"
dependencies = ["attrs>=23", "python-dateutil"]

[project.optional-dependencies]
yaml = ["pyyaml>=6"]

[dependency-groups]
lint = ["ruff"]
dev = ["pytest", {include-group = "lint"}]
"""


def test_a_project_folder_builds_its_runtime_dependencies_and_names_its_manifest(tmp_path):
    env = {"LAYERBUILD_CACHE_DIR": str(tmp_path / "cache")}
    app = _pyproject(tmp_path / "orders-api", PEP621)
    out = tmp_path / "dist"
    built = run_cli("build", str(app), "--runtime", RUNTIME, "--extra", "yaml", "-o", str(out), env=env)
    assert built.code == 0, built.stderr
    assert f"using {app / 'pyproject.toml'} (pyproject)" in built.stderr
    zip_path = out / layer_zip_name("orders-api", RUNTIME, "x86_64")  # named after the manifest's folder
    report = json.loads((out / f"orders-api-{RUNTIME}-x86_64.report.json").read_text())
    assert report["source"] == {"path": str(app / "pyproject.toml"), "kind": "pyproject"}
    _matches_the_documented_schema(report)

    # Exactly what the same requirements resolve to as a requirements file (the path the project reuses).
    (tmp_path / "req").mkdir()
    (tmp_path / "req" / "requirements.txt").write_text("attrs>=23\npython-dateutil\npyyaml>=6\n")
    expected = _locked_names(str(tmp_path / "req" / "requirements.txt"), env=env)
    names, python_dir = _layer(zip_path, tmp_path)
    assert names == expected and {"attrs", "python-dateutil", "pyyaml"} <= names
    assert not names & DEV_ONLY
    _every_top_level_imports(report, python_dir)

    # A named group adds its packages (include-group followed); still not the project itself.
    with_dev = _locked_names(str(app), "--group", "dev", env=env)
    assert {"pytest", "ruff", "iniconfig"} <= with_dev and "orders-api" not in with_dev


POETRY = """
[tool.poetry]
name = "billing"
version = "1.0.0"
description = ""
authors = ["Team <team@example.com>"]

[tool.poetry.dependencies]
python = "^3.10"
attrs = "^23.1"
idna = "~3.7"
tomli = {version = "^2", python = "<3.11"}

[tool.poetry.group.dev.dependencies]
pytest = "^8.0"

[tool.poetry.group.test.dependencies]
iniconfig = "*"
"""


def test_a_poetry_project_gets_versions_inside_its_caret_and_tilde_ranges_and_no_dev_group(tmp_path):
    env = {"LAYERBUILD_CACHE_DIR": str(tmp_path / "cache")}
    app = _pyproject(tmp_path / "billing", POETRY)
    out = tmp_path / "dist"
    built = run_cli("build", str(app / "pyproject.toml"), "--runtime", RUNTIME, "-o", str(out), env=env)
    assert built.code == 0, built.stderr
    report = json.loads((out / f"billing-{RUNTIME}-x86_64.report.json").read_text())
    versions = {p["name"]: p["version"] for p in report["packages"]}
    major, minor = (int(x) for x in versions["attrs"].split(".")[:2])
    assert major == 23 and minor >= 1  # ^23.1: >=23.1,<24
    assert versions["idna"].startswith("3.7")  # ~3.7: >=3.7,<3.8
    assert ("tomli" in versions) == (sys.version_info < (3, 11))
    names, python_dir = _layer(out / layer_zip_name("billing", RUNTIME, "x86_64"), tmp_path)
    assert not names & DEV_ONLY
    _every_top_level_imports(report, python_dir)


def test_include_project_builds_the_local_pure_project_into_the_layer(tmp_path):
    env = {"LAYERBUILD_CACHE_DIR": str(tmp_path / "cache")}
    app = _pyproject(
        tmp_path / "geo",
        '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "geo"\nversion = "0.1.0"\ndependencies = ["six"]\n'
        '[tool.setuptools]\npackages = ["geo"]\n',
    )
    (app / "geo").mkdir()
    (app / "geo" / "__init__.py").write_text("import six\nAREA = 42\n")
    out = tmp_path / "dist"
    plain = run_cli("-q", "build", str(app), "--runtime", RUNTIME, "-o", str(out), env=env)
    assert plain.code == 0, plain.stderr
    assert _layer(out / layer_zip_name("geo", RUNTIME, "x86_64"), tmp_path / "a")[0] == {"six"}
    both = run_cli("-q", "build", str(app), "--runtime", RUNTIME, "--include-project", "-o", str(out), env=env)
    assert both.code == 0, both.stderr
    names, python_dir = _layer(out / layer_zip_name("geo", RUNTIME, "x86_64"), tmp_path / "b")
    assert names == {"six", "geo"}
    report = json.loads((out / f"geo-{RUNTIME}-x86_64.report.json").read_text())
    _every_top_level_imports(report, python_dir)


def test_the_python_constraint_picks_the_newest_runtime_it_allows_or_refuses_the_one_asked(tmp_path):
    env = {"LAYERBUILD_CACHE_DIR": str(tmp_path / "cache")}
    app = _pyproject(tmp_path / "svc", PEP621.replace(">=3.10", ">=3.11,<3.14"))
    newest = max((r for r in RUNTIMES if RUNTIMES[r][0] in ("3.11", "3.12", "3.13")), key=lambda r: RUNTIMES[r][0])
    out = tmp_path / "dist"
    built = run_cli("build", str(app), "-o", str(out), env=env)
    assert built.code == 0, built.stderr
    assert (out / layer_zip_name("svc", newest, "x86_64")).is_file()
    assert f"building for {newest}" in built.stderr
    refused = run_cli("-q", "build", str(app), "--runtime", "python3.14", "-o", str(tmp_path / "no"), env=env)
    assert refused.code == 2
    assert refused.stderr.count("\n") == 1 and ">=3.11,<3.14" in refused.stderr and "python3.14" in refused.stderr
    assert not (tmp_path / "no").exists() or not any((tmp_path / "no").iterdir())


def test_sam_functions_whose_codeuri_holds_a_project_are_planned_from_it(tmp_path):
    env = {"LAYERBUILD_CACHE_DIR": str(tmp_path / "cache")}
    sam = tmp_path / "app"
    _pyproject(sam / "orders", PEP621)
    _pyproject(sam / "billing", POETRY)
    (sam / "billing" / "Makefile").write_text("build-Billing:\n\tcp -r . $(ARTIFACTS_DIR)\n")
    (sam / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nGlobals:\n  Function:\n    Runtime: python3.12\nResources:\n"
        "  Orders:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: orders\n"
        "      Handler: app.handler\n"
        "  Billing:\n    Type: AWS::Serverless::Function\n    Metadata:\n      BuildMethod: makefile\n"
        "    Properties:\n      CodeUri: billing\n      Handler: app.handler\n"
    )
    planned = run_cli("plan", "--sam", str(sam / "template.yaml"), "--format", "json", env=env)
    assert planned.code == 0, planned.stderr
    users: dict[str, set[str]] = {}
    for layer in json.loads(planned.stdout)["layers"]:
        for package, functions in layer["package_users"].items():
            users.setdefault(package, set()).update(functions)
    assert users["attrs"] == {"Orders", "Billing"} and users["python-dateutil"] == {"Orders"}
    assert users["idna"] == {"Billing"}
    assert not set(users) & DEV_ONLY


def test_audit_builds_a_project_folder_with_the_groups_asked_then_audits_the_layer(tmp_path):
    env = {"LAYERBUILD_CACHE_DIR": str(tmp_path / "cache")}
    app = _pyproject(tmp_path / "orders-api", PEP621)
    audited = run_cli("audit", str(app), "--runtime", RUNTIME, "--group", "lint", "--format", "json", env=env)
    assert audited.code in (0, 1), audited.stderr
    assert f"using {app / 'pyproject.toml'} (pyproject)" in audited.stderr
    data = json.loads(audited.stdout)
    names = {p["name"] for p in data["packages"]}
    assert names == _locked_names(str(app), "--group", "lint", env=env) and "ruff" in names and "pytest" not in names
