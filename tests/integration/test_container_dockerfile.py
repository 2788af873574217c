"""The project Dockerfile builds on a Lambda-like base image, and the image serves both of its uses:
running layerbuild (as in CI) and being the build image of `--backend container`.

Built for real with BuildKit on the stand-in base (`--build-arg BASE_IMAGE=…`), with the CA bundle
passed as the optional `ca` secret, as users behind a TLS-intercepting proxy do.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from layerbuild import __version__

from ..conftest import ROOT, make_wheel, run_cli
from ..fixtures.docker import STAND_IN_RUNTIME, buildkit_docker, layerbuild_containers

pytestmark = [pytest.mark.docker, pytest.mark.network]

TOOL_IMAGE = "layerbuild-test-tool:latest"


@pytest.fixture(scope="module")
def tool_image(stand_in_image):
    docker = buildkit_docker()
    if docker is None:
        pytest.skip("no docker client with BuildKit here (needs buildx, or Debian's docker.io client)")
    ca = next(
        (
            os.environ[k]
            for k in ("PIP_CERT", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE")
            if os.environ.get(k) and Path(os.environ[k]).is_file()
        ),
        None,
    )
    secret = ["--secret", f"id=ca,src={ca}"] if ca else []
    proc = subprocess.run(
        [
            docker,
            "build",
            "--network",
            "host",
            *secret,
            "--build-arg",
            f"BASE_IMAGE={stand_in_image}",
            "-t",
            TOOL_IMAGE,
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=900,
        env=dict(os.environ, DOCKER_BUILDKIT="1"),
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return TOOL_IMAGE


def test_dockerfile_has_no_syntax_line_and_defaults_to_the_sam_build_image():
    text = (ROOT / "Dockerfile").read_text()
    # A parser directive (`# syntax=…` on a line of its own) would make BuildKit pull a frontend image.
    assert not any(line.replace(" ", "").lower().startswith("#syntax=") for line in text.splitlines())
    assert "ARG BASE_IMAGE=public.ecr.aws/sam/build-python3.12" in text


def test_docker_run_image_layerbuild_version_works(tool_image):
    out = subprocess.run(
        ["docker", "run", "--rm", "--network", "none", tool_image, "layerbuild", "--version"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"layerbuild, version {__version__}"


def test_the_image_runs_a_build_as_in_ci(tool_image, tmp_path):
    make_wheel(tmp_path / "links", "layerbuild-wheel-probe", "1.0", {"lbwheel.py": "VALUE = 1\n"})
    (tmp_path / "requirements.txt").write_text("--no-index\n--find-links /work/links\nlayerbuild-wheel-probe==1.0\n")
    out = subprocess.run(
        [
            "docker",
            "run",
            "--rm",
            "--network",
            "none",
            "-v",
            f"{tmp_path}:/work",
            tool_image,
            "layerbuild",
            "build",
            "requirements.txt",
            "--runtime",
            STAND_IN_RUNTIME,
            "--backend",
            "wheels",
            "--name",
            "ci",
            "-o",
            "dist",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "dist" / f"ci-{STAND_IN_RUNTIME}-x86_64.zip").is_file()


def test_the_image_is_a_build_image_for_the_container_backend(tool_image, tmp_path):
    links = tmp_path / "links"
    make_wheel(links, "layerbuild-wheel-probe", "1.0", {"lbwheel.py": "VALUE = 1\n"})
    reqs = tmp_path / "proj" / "requirements.txt"
    reqs.parent.mkdir()
    reqs.write_text(f"--no-index\n--find-links {links}\nlayerbuild-wheel-probe==1.0\n")
    result = run_cli(
        "build",
        str(reqs),
        "--runtime",
        STAND_IN_RUNTIME,
        "--backend",
        "container",
        "--image",
        tool_image,
        "--network",
        "host",
        "-o",
        str(tmp_path / "out"),
        env={"LAYERBUILD_CACHE_DIR": str(tmp_path / "cache")},
    )
    assert result.code == 0, result.stderr
    assert f"in {tool_image}" in result.stderr
    assert (tmp_path / "out" / f"proj-{STAND_IN_RUNTIME}-x86_64.zip").is_file()
    assert layerbuild_containers() == []
