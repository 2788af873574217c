"""Installers: put the locked packages, built for the target, into a staging folder."""

from __future__ import annotations

from ..config import BuildOptions
from ..errors import EnvironmentProblem
from .interface import Installer


def installer_for(options: BuildOptions) -> Installer:
    """The installer for `--backend`: `wheels` never uses Docker; `auto` uses wheels wherever they exist."""
    from .wheels import WheelsInstaller

    if options.backend in ("wheels", "auto"):
        return WheelsInstaller()
    raise EnvironmentProblem(f"the {options.backend!r} backend is not available in this version: "
                             "use --backend wheels")
