"""`ContainerInstaller`: install pins inside a Lambda-compatible build image, as SAM's `--use-container` does.

The target's wheels are fetched for its tags and sdists built with the image's own Python and compiler,
by job.py running in the container (its input is the job description below); the user's index settings
and CA bundle are passed through (env.py). The output is copied out and merged into the staging tree.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from layerbuild.errors import InstallError
from layerbuild.install.container.box import telling_line
from layerbuild.install.container.env import container_index_args, pass_through
from layerbuild.install.container.session import image_session
from layerbuild.install.interface import Installer
from layerbuild.model.lock import Lock, Pin
from layerbuild.model.target import Target
from layerbuild.util.progress import step

if TYPE_CHECKING:
    from layerbuild.install.container.compiler import ContainerCompiler

JOB_ROOT = "/layerbuild"  # job.py's ROOT: in/ holds the job, out/ the installed tree
JOB_SCRIPT = Path(__file__).with_name("job.py")


class ContainerInstaller(Installer):
    """Installs pins in a build image: the target's wheels are fetched, sdists built with its compiler."""

    name = "container"

    def __init__(self, image: str | None = None, network: str | None = None, purpose: str | None = None) -> None:
        self.image = image
        self.network = network
        self.purpose = purpose  # the first half of the "no engine" message: why Docker is needed
        self.built_in_container: tuple[str, ...] = ()

    def image_for(self, target: Target) -> str:
        return self.image or target.build_image

    def install(self, lock: Lock, target: Target, dest: Path, exclude: frozenset[str] = frozenset()) -> None:
        pins = [p for p in sorted(lock.pins, key=lambda p: p.name) if p.name not in exclude]
        dest.mkdir(parents=True, exist_ok=True)
        if not pins:
            return
        image = self.image_for(target)
        purpose = self.purpose or f"--backend container builds {target.runtime} {target.arch} in {image}"
        environment, mounts = pass_through(lock)
        job = job_description(pins, lock, target)
        names = ", ".join(p.name for p in pins)
        with step(f"Building {len(pins)} package(s) in {image}: {names}"):
            with image_session(image, target, purpose, self.network, environment, mounts) as (box, python):
                files = {"in/job.json": json.dumps(job).encode(), "in/job.py": JOB_SCRIPT.read_bytes()}
                box.copy_in(files, JOB_ROOT)
                code, output = box.run([python, f"{JOB_ROOT}/in/job.py"])
                if code != 0:
                    raise InstallError(f"{_failed_step(output)} in {image} failed: {telling_line(output)}")
                with tempfile.TemporaryDirectory(prefix="layerbuild-out-") as tmp:
                    box.copy_out(f"{JOB_ROOT}/out", Path(tmp))
                    merge(Path(tmp), dest)
        self.built_in_container = tuple(p.name for p in pins)

    def compiler(self, target: Target) -> ContainerCompiler:
        """The build image's own Python compiles the .pyc (it is the target's Python by construction)."""
        from layerbuild.install.container.compiler import ContainerCompiler

        return ContainerCompiler(self.image_for(target), target, self.network)


def job_description(pins: list[Pin], lock: Lock, target: Target) -> dict[str, Any]:
    """job.json, the input of job.py (its docstring says what each field means)."""
    from_source = set(lock.build_from_source)

    def line(pin: Pin) -> str:
        return " ".join([pin.requirement_line(), *(f"--hash={h}" for h in pin.hashes)])

    def install_line(pin: Pin) -> str:
        spec = f"{pin.name}=={pin.version}" if pin.version else pin.name
        return f"{spec} ; {pin.markers}" if pin.markers else spec

    return {
        "binary": [line(p) for p in pins if p.name not in from_source],
        "source": [line(p) for p in pins if p.name in from_source],
        "install": [install_line(p) for p in pins],
        "index_args": container_index_args(lock.index_args),
        "python_version": target.python_version,
        "platforms": list(target.platform_tags),
    }


def _failed_step(output: str) -> str:
    """The step job.py announced last (`layerbuild-step: …`): what was running when it failed."""
    steps = [line.split(":", 1)[1].strip() for line in output.splitlines() if line.startswith("layerbuild-step:")]
    return steps[-1] if steps else "starting the build"


def merge(src: Path, dest: Path) -> None:
    """Move the tree `src` into the staging tree `dest` (a package may share a namespace folder)."""
    for entry in sorted(src.iterdir()):
        target = dest / entry.name
        if entry.is_dir() and not entry.is_symlink() and target.is_dir():
            merge(entry, target)
        else:
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            os.replace(entry, target)
