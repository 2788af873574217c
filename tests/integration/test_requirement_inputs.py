"""Requirement files pip accepts, layerbuild accepts (issue 12, item 4): monorepo local packages, pip's
options, the encodings pip decodes. Real packages from the index; local projects the test writes."""

from __future__ import annotations

import codecs
import subprocess
import zipfile
from pathlib import Path

import pytest

from layerbuild.util.uvtool import uv_binary

from ..conftest import make_wheel, run_cli

pytestmark = pytest.mark.network


def _project(folder: Path, name: str, module_text: str, deps: list[str], style: str = "pyproject") -> Path:
    """A pure-Python project as a monorepo holds one (pyproject.toml, or a setup.py for the older style)."""
    (folder / name).mkdir(parents=True, exist_ok=True)
    (folder / name / "__init__.py").write_text(module_text)
    if style == "pyproject":
        (folder / "pyproject.toml").write_text(
            '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n'
            f'[project]\nname = "{name}"\nversion = "0.1.0"\ndependencies = {deps!r}\n'.replace("'", '"')
        )
    else:
        (folder / "setup.py").write_text(
            f"from setuptools import setup\nsetup(name={name!r}, version='0.2.0', "
            f"packages=[{name!r}], install_requires={deps!r})\n"
        )
    return folder


def _names(zip_path: Path) -> list[str]:
    return zipfile.ZipFile(zip_path).namelist()


@pytest.fixture
def monorepo(tmp_path):
    repo = tmp_path / "repo"
    _project(repo / "libs" / "common", "common", "VALUE = 1\n", ["six>=1.16"])
    _project(repo / "shared", "shared", "SHARED = True\n", ["attrs"], style="setup.py")
    _project(repo / "tools" / "tool", "tool", "TOOL = 'x'\n", [])
    api = repo / "services" / "api"
    api.mkdir(parents=True)
    (api / "requirements.txt").write_text(
        "./libs/common\n"  # from the working directory (the repo root), as pip reads it
        "-e ../../shared\n"  # not there from the working directory: beside the file, as uv reads it
        f"tool @ {(repo / 'tools' / 'tool').as_uri()}\n"
        "idna\n"
    )
    return repo


def test_monorepo_local_packages_are_in_the_layer_as_regular_installs_with_their_dependencies(monorepo, tmp_path):
    env = {"LAYERBUILD_CACHE_DIR": str(tmp_path / "cache")}
    req = "services/api/requirements.txt"
    lock = run_cli("lock", req, "--runtime", "python3.12", env=env, cwd=monorepo)
    assert lock.code == 0, lock.stderr
    assert f"common @ {(monorepo / 'libs' / 'common').as_uri()}\n" in lock.stdout
    assert f"shared @ {(monorepo / 'shared').as_uri()}\n" in lock.stdout
    assert "build-from-source=common,shared,tool" in lock.stdout
    assert "six==" in lock.stdout and "attrs==" in lock.stdout  # their dependencies, from the index

    out = tmp_path / "out"
    built = run_cli("build", req, "--runtime", "python3.12", "-o", str(out), env=env, cwd=monorepo)
    assert built.code == 0, built.stderr
    notices = [line for line in built.stderr.splitlines() if "editable" in line]
    assert notices == [
        f"layerbuild: {req}:2: -e ../../shared is installed as a regular package "
        "(Lambda cannot use an editable install)"
    ]
    zip_path = out / "api-python3.12-x86_64.zip"
    names = _names(zip_path)
    for path in (
        "python/common/__init__.py",
        "python/shared/__init__.py",
        "python/tool/__init__.py",
        "python/six.py",
        "python/attrs/__init__.py",
        "python/idna/__init__.py",
    ):
        assert path in names
    assert not [n for n in names if n.endswith(".pth") or "__editable__" in n]  # not an editable install

    # An edit in libs/common reaches the next layer (neither layerbuild's cache nor uv's keeps the old build).
    (monorepo / "libs" / "common" / "common" / "__init__.py").write_text("VALUE = 2\n")
    again = run_cli("build", req, "--runtime", "python3.12", "-o", str(out), env=env, cwd=monorepo)
    assert again.code == 0, again.stderr
    assert zipfile.ZipFile(zip_path).read("python/common/__init__.py") == b"VALUE = 2\n"


def test_a_monorepo_layer_is_byte_identical_whichever_folder_the_checkout_is_in(monorepo, tmp_path):
    """A local package's PEP 610 direct_url.json names the checkout's folder: it is not shipped."""
    import hashlib
    import shutil

    other = tmp_path / "elsewhere" / "checkout"
    shutil.copytree(monorepo, other)
    shas = []
    for root in (monorepo, other):
        out = tmp_path / f"out-{len(shas)}"
        built = run_cli(
            "build",
            "services/api/requirements.txt",
            "--runtime",
            "python3.12",
            "-o",
            str(out),
            env={"LAYERBUILD_CACHE_DIR": str(tmp_path / f"cache-{len(shas)}")},
            cwd=root,
        )
        assert built.code == 0, built.stderr
        zip_path = out / "api-python3.12-x86_64.zip"
        assert not [n for n in _names(zip_path) if n.endswith("direct_url.json")]
        shas.append(hashlib.sha256(zip_path.read_bytes()).hexdigest())
    assert shas[0] == shas[1]


def _real_hashes(pin: str, python: str) -> list[str]:
    """The sha256 of every file the index has for `pin`, as `pip-compile --generate-hashes` writes them."""
    proc = subprocess.run(
        [
            uv_binary(),
            "pip",
            "compile",
            "-",
            "--python-version",
            python,
            "--no-header",
            "--no-annotate",
            "--quiet",
            "--generate-hashes",
            "--no-deps",
        ],
        input=pin + "\n",
        capture_output=True,
        text=True,
        check=True,
    )
    return [line.split("--hash=", 1)[1].rstrip(" \\") for line in proc.stdout.splitlines() if "--hash=" in line]


def test_a_hashed_file_in_aws_lambda_builders_inflate64_style_builds_with_its_hashes(tmp_path):
    """aws-lambda-builders' testdata/requirements-inflate64.txt: one pin, `--hash` options on
    backslash-continued lines. inflate64 has native wheels for python3.11."""
    hashes = _real_hashes("inflate64==0.3.1", "3.11")
    assert len(hashes) > 2
    req = tmp_path / "requirements-inflate64.txt"
    req.write_text("inflate64==0.3.1 \\\n" + " \\\n".join(f"    --hash={h}" for h in hashes) + "\n")
    out = tmp_path / "out"
    result = run_cli(
        "build",
        str(req),
        "--runtime",
        "python3.11",
        "-o",
        str(out),
        "--name",
        "inflate",
        env={"LAYERBUILD_CACHE_DIR": str(tmp_path / "cache")},
    )
    assert result.code == 0, result.stderr
    names = _names(out / "inflate-python3.11-x86_64.zip")
    assert any(n.startswith("python/inflate64/") and ".cpython-311-x86_64-linux-gnu.so" in n for n in names), names


@pytest.mark.parametrize("encoding,bom", [("utf-16-le", codecs.BOM_UTF16_LE), ("utf-8", codecs.BOM_UTF8)])
def test_a_powershell_written_file_locks_exactly_like_its_utf8_twin(tmp_path, encoding, bom):
    """PowerShell 5's `>` writes UTF-16 LE with a BOM and CRLF line ends; Notepad a UTF-8 BOM."""
    text = "-r base.txt\r\nidna==3.10 \\\r\n  ; python_version >= '3.8'\r\n"
    plain, odd = tmp_path / "plain", tmp_path / "odd"
    for folder, data in (
        (plain, lambda s: s.replace("\r\n", "\n").encode()),
        (odd, lambda s: bom + s.encode(encoding)),
    ):
        folder.mkdir()
        (folder / "base.txt").write_bytes(data("six==1.17.0\r\n"))
        (folder / "requirements.txt").write_bytes(data(text))
    env = {"LAYERBUILD_CACHE_DIR": str(tmp_path / "cache")}
    want = run_cli("lock", str(plain / "requirements.txt"), "--runtime", "python3.12", env=env)
    got = run_cli("lock", str(odd / "requirements.txt"), "--runtime", "python3.12", env=env)
    assert want.code == 0 and got.code == 0, got.stderr
    assert "six==1.17.0" in got.stdout and "idna==3.10" in got.stdout
    assert got.stdout == want.stdout


def test_pre_lets_a_prerelease_win_and_only_then(tmp_path):
    wheels = tmp_path / "wheels"
    for version in ("1.0", "2.0b1"):
        make_wheel(wheels, "tinypkg", version, {"tinypkg/__init__.py": f"V = {version!r}\n"})
    env = {"LAYERBUILD_CACHE_DIR": str(tmp_path / "cache")}
    for pre, want in (("--pre\n", "tinypkg==2.0b1"), ("", "tinypkg==1.0")):
        req = tmp_path / f"r{bool(pre)}.txt"
        req.write_text(f"--no-index\n--find-links {wheels}\n{pre}tinypkg\n")
        result = run_cli("lock", str(req), env=env)
        assert result.code == 0, result.stderr
        assert want in result.stdout.split()


def test_no_binary_name_builds_that_package_from_its_sdist(tmp_path):
    req = tmp_path / "requirements.txt"
    req.write_text("--no-binary six\n--prefer-binary\nsix==1.17.0\nidna==3.10\n")
    env = {"LAYERBUILD_CACHE_DIR": str(tmp_path / "cache")}
    lock = run_cli("lock", str(req), "--runtime", "python3.12", env=env)
    assert lock.code == 0, lock.stderr
    header = next(line for line in lock.stdout.splitlines() if line.startswith("# layerbuild-lock:"))
    assert "build-from-source=six" in header.split()
    out = tmp_path / "out"
    built = run_cli("build", str(req), "--runtime", "python3.12", "-o", str(out), env=env)
    assert built.code == 0, built.stderr
    wheel_file = (
        zipfile.ZipFile(out / f"{tmp_path.name}-python3.12-x86_64.zip")
        .read("python/six-1.17.0.dist-info/WHEEL")
        .decode()
    )
    # PyPI's six wheel was made by bdist_wheel; one built here from the sdist by today's setuptools
    assert "Generator: setuptools" in wheel_file, wheel_file
