"""Installers: put the locked packages, built for the target, into a staging folder."""

from __future__ import annotations

from layerbuild.config import BuildOptions
from layerbuild.errors import InputError
from layerbuild.install.interface import Installer


def installer_for(options: BuildOptions) -> Installer:
    """The installer for `--backend`: `wheels` never uses Docker; `container` installs everything in the
    build image; `auto` uses wheels wherever they exist and the container only for what must compile."""
    if options.backend == "wheels":
        from layerbuild.install.wheels import WheelsInstaller

        return WheelsInstaller()
    if options.backend == "auto":
        from layerbuild.install.auto import AutoInstaller

        return AutoInstaller(options.image, options.network, options.bytecode)
    if options.backend == "container":
        from layerbuild.install.container.installer import ContainerInstaller

        return ContainerInstaller(options.image, options.network)
    raise InputError(f"unknown backend {options.backend!r}: use auto, wheels or container")
