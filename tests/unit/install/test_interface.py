"""What callers of an installer may rely on without knowing which one they have (install/interface.py)."""

import pytest

from layerbuild.config import BuildOptions
from layerbuild.install import installer_for
from layerbuild.install.auto import AutoInstaller
from layerbuild.install.container.compiler import ContainerCompiler
from layerbuild.install.container.installer import JOB_ROOT, JOB_SCRIPT, ContainerInstaller
from layerbuild.install.interface import Installer
from layerbuild.install.wheels import WheelsInstaller
from layerbuild.model.target import Target

PY312 = Target("python3.12", "x86_64")


@pytest.mark.parametrize("backend", ["wheels", "auto", "container"])
def test_every_backend_is_an_installer_that_built_nothing_in_a_container_before_it_ran(backend):
    installer = installer_for(BuildOptions(backend=backend))
    assert isinstance(installer, Installer)
    assert installer.built_in_container == ()


def test_an_installer_offers_no_compiler_unless_it_has_one():
    assert WheelsInstaller().compiler(PY312) is None
    assert AutoInstaller(bytecode="none").compiler(PY312) is None  # never Docker for bytecode it must not write


def test_the_container_installer_offers_its_build_image_python_as_the_compiler():
    compiler = ContainerInstaller(image="example/build:3.12").compiler(PY312)
    assert isinstance(compiler, ContainerCompiler)
    assert compiler.image == "example/build:3.12" and compiler.target == PY312
    assert ContainerInstaller().compiler(PY312).image == PY312.build_image


def test_the_job_the_container_runs_ships_beside_the_installer_and_uses_its_folder():
    text = JOB_SCRIPT.read_text()
    assert f'ROOT = "{JOB_ROOT}"' in text and "layerbuild-step:" in text
