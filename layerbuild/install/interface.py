"""The installer seam: one small abstract class; one module per implementation."""

from __future__ import annotations

import abc
from pathlib import Path

from layerbuild.model.lock import Lock
from layerbuild.model.target import Target


class Installer(abc.ABC):
    """Installs every pin of a lock, except `exclude`, into `dest` as a flat site-packages tree.

    Contract: after `install` returns, `dest` holds each installed distribution's files and its
    `*.dist-info` (with RECORD), built for `target` (Python minor version, glibc, architecture), and
    nothing that only runs on the build machine. On failure it raises a `LayerbuildError` whose message
    names the package, and `dest` is to be thrown away by the caller.
    """

    name: str = "installer"

    @abc.abstractmethod
    def install(self, lock: Lock, target: Target, dest: Path, exclude: frozenset[str] = frozenset()) -> None:
        """Install `lock` minus `exclude` into `dest`."""
