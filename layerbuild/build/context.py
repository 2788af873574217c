"""The build context: what every stage of one build needs, decided once before any stage runs.

The target and its interpreter on this machine (found once: the bytecode compiler, the import check and
the cache key's Python all use it), the parsed --keep/--drop patterns and --max-unzipped, the lock, the
runtime-provided names to remove, the installer and the work folder. Frozen: a stage changes the
staging tree (`tree.TreeIndex`), never the context.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from layerbuild.config import BuildOptions
from layerbuild.model.lock import Lock
from layerbuild.model.target import Target
from layerbuild.slim.patterns import PathPattern, patterns_of

if TYPE_CHECKING:  # a cache hit needs Settings only: what the stages run with loads when a build runs them
    from layerbuild.build.overlap import Overlap
    from layerbuild.install.interface import Installer


@dataclass(frozen=True)
class Settings:
    """What the options say, checked before any work (a malformed --keep/--drop/--max-unzipped is
    an InputError, exit 2), and the target's interpreter, found once."""

    target: Target
    options: BuildOptions
    keep: tuple[PathPattern, ...]
    drop: tuple[PathPattern, ...]
    max_unzipped: int | None  # None: Lambda's limit
    python: Path | None  # an interpreter of the target's minor version on this machine
    python_version: str | None  # its full version ("3.12.1")

    @property
    def bytecode_python(self) -> str | None:
        """What the build cache must know: the Python that would compile (its .pyc bytes depend on it)."""
        return None if self.options.bytecode == "none" else self.python_version


def settings_for(options: BuildOptions, target: Target) -> Settings:
    from layerbuild.util.interpreters import find_interpreter, interpreter_version
    from layerbuild.zip.dates import zip_date

    zip_date()  # a malformed SOURCE_DATE_EPOCH fails here, before any work (not after the import check)
    keep, drop = patterns_of(options.keep, options.drop)
    max_unzipped = options.max_unzipped_bytes()
    needed = options.bytecode != "none" or options.verify or bool(options.handler)  # the handler runs in it
    python = find_interpreter(target.python_version) if needed else None
    version = (interpreter_version(python) or None) if python else None
    return Settings(target, options, keep, drop, max_unzipped, python, version)


@dataclass(frozen=True)
class BuildContext:
    settings: Settings
    lock: Lock
    runtime_provided: frozenset[str]  # distributions to remove: the runtime provides them
    installer: Installer
    work: Path  # the cache's staging folder: tree/, runtime-provided/, layer.zip
    earlier_zips: tuple[Path, ...] = ()  # the cache's last zips, newest first: the zip copies from them
    # the stages that run beside others (compress-ahead, zip) and their stream cache: build/overlap.py
    overlap: Overlap = field(default_factory=lambda: _new_overlap(), compare=False)

    @property
    def target(self) -> Target:
        return self.settings.target

    @property
    def options(self) -> BuildOptions:
        return self.settings.options

    @property
    def tree_dir(self) -> Path:
        return self.work / "tree"

    @property
    def runtime_dir(self) -> Path:
        """Where the runtime-provided packages are set aside for the import check."""
        return self.work / "runtime-provided"

    @property
    def zip_path(self) -> Path:
        return self.work / "layer.zip"


def _new_overlap() -> Overlap:
    from layerbuild.build.overlap import Overlap

    return Overlap()
