"""Functions in the config file: `[tool.layerbuild.functions.NAME]` / `[functions.NAME]`, checked with
errors that name the key and the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from layerbuild.config import merge_build_options
from layerbuild.errors import InputError
from layerbuild.plan.functions import load_functions
from tests.conftest import run_cli


def write_project(tmp_path: Path, config: str, name: str = "layerbuild.toml") -> Path:
    for fn in ("api", "worker"):
        (tmp_path / fn).mkdir(exist_ok=True)
        (tmp_path / fn / "requirements.txt").write_text("requests\n")
        (tmp_path / fn / "handler.py").write_text("def handler(event, context):\n    return event\n")
    path = tmp_path / name
    path.write_text(config)
    return path


def functions_of(path: Path, cli: dict | None = None, env: dict | None = None):
    options, table = merge_build_options(cli or {}, path, env=env or {})
    return load_functions(table, path, options)


def test_requirements_paths_are_relative_to_the_config_file_not_the_current_folder(tmp_path, monkeypatch):
    path = write_project(tmp_path, '[functions.api]\nrequirements = "api/requirements.txt"\n')
    monkeypatch.chdir("/")
    (api,) = functions_of(path)
    assert api.requirements == tmp_path / "api" / "requirements.txt"
    assert api.code == tmp_path / "api"  # its code folder defaults to the requirements file's folder
    assert (api.runtime, api.arch, api.layers) == ("python3.12", "x86_64", ())


def test_pyproject_functions_tables_with_existing_layers_and_a_code_folder(tmp_path):
    path = write_project(
        tmp_path,
        """
[project]
name = "svc"
[tool.layerbuild]
runtime = "python3.11"
[tool.layerbuild.functions.api]
requirements = "api/requirements.txt"
code = "api"
layers = ["arn:aws:lambda:us-east-1:123456789012:layer:otel:3"]
[tool.layerbuild.functions.worker]
requirements = "worker/requirements.txt"
arch = "arm64"
""",
        name="pyproject.toml",
    )
    api, worker = functions_of(path)
    assert api.layers == ("arn:aws:lambda:us-east-1:123456789012:layer:otel:3",)
    assert (api.runtime, api.arch) == ("python3.11", "x86_64")
    assert (worker.runtime, worker.arch) == ("python3.11", "arm64")


def test_a_functions_own_runtime_beats_the_flag_and_environment_which_beat_the_file(tmp_path):
    path = write_project(
        tmp_path,
        'runtime = "python3.11"\n[functions.api]\nrequirements = "api/requirements.txt"\n'
        'runtime = "python3.13"\n[functions.worker]\nrequirements = "worker/requirements.txt"\n',
    )
    api, worker = functions_of(path, env={"LAYERBUILD_RUNTIME": "python3.12"})
    assert (api.runtime, worker.runtime) == ("python3.13", "python3.12")
    api, worker = functions_of(path, cli={"runtime": "python3.10"}, env={"LAYERBUILD_RUNTIME": "python3.12"})
    assert (api.runtime, worker.runtime) == ("python3.13", "python3.10")


@pytest.mark.parametrize(
    "body, expected",
    [
        ('requirements = "api/requirements.txt"\nrequirement = "x"', r"\[functions.api\]: unknown key 'requirement'"),
        (
            'requirements = "api/requirements.txt"\nruntime = "python2.7"',
            r"\[functions.api\] runtime: runtime = 'python2.7' is not one of",
        ),
        (
            'requirements = "api/requirements.txt"\narch = "aarch64"',
            r"\[functions.api\] arch: arch = 'aarch64' is not one of",
        ),
        (
            'requirements = "nope/requirements.txt"',
            r"\[functions.api\]: requirements = 'nope/requirements.txt': .* is not a file",
        ),
        ("requirements = 3", r"\[functions.api\]: requirements must be a path"),
        ('layers = ["arn:x"]', r"\[functions.api\]: requirements must be a path"),
        (
            'requirements = "api/requirements.txt"\nlayers = "arn:x"',
            r"\[functions.api\]: layers must be a list of layer ARNs",
        ),
        (
            'requirements = "api/requirements.txt"\ncode = "missing"',
            r"\[functions.api\]: code = 'missing' must be the path",
        ),
    ],
)
def test_unknown_keys_and_bad_values_name_the_key_and_the_file(tmp_path, body, expected):
    path = write_project(tmp_path, f"[functions.api]\n{body}\n")
    with pytest.raises(InputError, match=expected) as info:
        functions_of(path)
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_function_names_must_fit_in_layer_names(tmp_path):
    path = write_project(tmp_path, '[functions."my api"]\nrequirements = "api/requirements.txt"\n')
    with pytest.raises(InputError, match="function name 'my api' must be 1-64 letters"):
        functions_of(path)


def test_the_existing_build_options_api_still_merges_flags_environment_and_file(tmp_path):
    path = write_project(
        tmp_path, 'slim = "aggressive"\nbytecode = "none"\n[functions.api]\nrequirements = "api/requirements.txt"\n'
    )
    options, table = merge_build_options({"bytecode": "alongside"}, path, env={"LAYERBUILD_ARCH": "arm64"})
    assert (options.slim, options.bytecode, options.arch) == ("aggressive", "alongside", "arm64")
    assert options.sources["bytecode"] == "command line" and options.sources["arch"] == "LAYERBUILD_ARCH"
    assert "functions" in table


def test_plan_with_a_bad_config_exits_2_with_one_line_naming_key_and_file(tmp_path):
    path = write_project(tmp_path, '[functions.api]\nrequirements = "api/requirements.txt"\nmemory = 512\n')
    result = run_cli("plan", "--config", str(path))
    assert result.code == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "unknown key 'memory'" in result.stderr and str(path) in result.stderr


def test_plan_without_functions_says_how_to_declare_them(tmp_path):
    path = write_project(tmp_path, 'runtime = "python3.12"\n')
    result = run_cli("plan", "--config", str(path))
    assert result.code == 2 and "declares no functions" in result.stderr and "--sam" in result.stderr
