"""The installer seam: one small abstract class; one module per implementation (wheels.py, auto.py,
container/installer.py), chosen by `install.installer_for`."""

from __future__ import annotations

import abc
from pathlib import Path
from typing import TYPE_CHECKING

from layerbuild.model.lock import Lock
from layerbuild.model.target import Target

if TYPE_CHECKING:
    from layerbuild.bytecode.compilers import Compiler


class Installer(abc.ABC):
    """Installs every pin of a lock, except `exclude`, into `dest` as a flat site-packages tree.

    Contract: after `install` returns, `dest` holds each installed distribution's files and its
    `*.dist-info` (with RECORD), built for `target` (Python minor version, glibc, architecture), and
    nothing that only runs on the build machine. On failure it raises a `LayerbuildError` whose message
    names the package, and `dest` is to be thrown away by the caller.
    """

    name: str = "installer"

    built_in_container: tuple[str, ...] = ()
    """The canonical names of the packages the last `install` built in the build container (the others
    came as wheels or were built here); empty before `install` and for an installer that never uses one.
    The build records it in its report."""

    @abc.abstractmethod
    def install(self, lock: Lock, target: Target, dest: Path, exclude: frozenset[str] = frozenset()) -> None:
        """Install `lock` minus `exclude` into `dest`."""

    def compiler(self, target: Target) -> Compiler | None:
        """The bytecode compiler this installer offers for `target`, or None to let the bytecode stage
        use an interpreter of the target's version on this machine.

        A compiler offered here wins over the local one. It must run the target's Python minor version and
        keep the Compiler contract (byte-identical .pyc for the same tree, `co_filename` under /opt/python).
        It may need what the installer has (a build image); an installer offers one only when it can run."""
        return None
