"""`--backend auto`: wheels wherever they exist; the build container only for what must be compiled.

Packages with a wheel for the target install without Docker. A package with no usable wheel
(`Lock.build_from_source`) is decided without compiling anything here:
1. its sdist is read (sdist_probe.py): a native build backend, build requirement, declared extension
   or native build file sends it to the build container at once;
2. otherwise it is built here with every compiler disabled (no_compilers.py, in each uv call): a pure
   Python build succeeds and stays; a native one fails at its first compiler call.
What must compile (or cannot be built here at all) is built in the Lambda build image, alone, and the
container never sees the other packages. No compiler ever runs outside the build container.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from layerbuild.errors import DockerUnavailable, InstallError, LockedSdistsNeeded, NoCompatibleWheelError
from layerbuild.install.container.installer import ContainerInstaller, merge
from layerbuild.install.interface import Installer
from layerbuild.install.wheels import WheelsInstaller
from layerbuild.model.lock import Lock
from layerbuild.model.target import Target

if TYPE_CHECKING:
    from layerbuild.bytecode.compilers import Compiler


class AutoInstaller(Installer):
    name = "auto"

    def __init__(self, image: str | None = None, network: str | None = None, bytecode: str = "auto") -> None:
        self.wheels = WheelsInstaller()
        self.image = image
        self.network = network
        self.bytecode = bytecode  # the requested --bytecode mode: decides whether Docker may compile .pyc
        self.built_in_container: tuple[str, ...] = ()

    def install(self, lock: Lock, target: Target, dest: Path, exclude: frozenset[str] = frozenset()) -> None:
        wanted = lock.names() - exclude
        from_source = sorted(n for n in lock.build_from_source if n in wanted)
        try:
            self.wheels.install(lock, target, dest, exclude | frozenset(from_source))
        except LockedSdistsNeeded as missing:
            # A lock made for another Python or glibc: its locked sdists are built as any sdist is (never
            # another version), and the rest installs as wheels.
            from dataclasses import replace

            shutil.rmtree(dest, ignore_errors=True)
            lock = replace(lock, build_from_source=tuple(sorted({*lock.build_from_source, *missing.names})))
            from_source = sorted(n for n in lock.build_from_source if n in wanted)
            self.wheels.install(lock, target, dest, exclude | frozenset(from_source))
        from layerbuild.install.sdist_probe import probe
        from layerbuild.util.progress import note

        reasons: dict[str, str] = {}
        for name in from_source:
            reason = probe(lock.pin(name), lock) or self._built_here(lock, target, dest, name)
            if reason:
                reasons[name] = reason
                note(f"{name} must be compiled for Lambda: {reason}")
        need_container = sorted(reasons)
        if not need_container:
            return
        names = ", ".join(f"{n} {lock.pin(n).version or ''}".strip() for n in need_container)
        why = (
            reasons[need_container[0]]
            if len(need_container) == 1
            else "; ".join(f"{n}: {reasons[n]}" for n in need_container)
        )
        container = ContainerInstaller(
            self.image,
            self.network,
            purpose=f"{names} {'has' if len(need_container) == 1 else 'have'} no wheel for {target.runtime} "
            f"{target.arch} and must be compiled in a Lambda build image because {why}",
        )
        try:
            container.install(lock, target, dest, frozenset(lock.names() - set(need_container)))
        except DockerUnavailable as exc:
            raise DockerUnavailable(f"{exc}; or pin versions that have wheels") from None
        self.built_in_container = container.built_in_container

    def compiler(self, target: Target) -> Compiler | None:
        """This machine's interpreter of the target's version when there is one (None here lets the
        bytecode stage find it); else the build image's Python, when an
        engine answers and either .pyc were asked for explicitly, a container was used already, or the
        image is present. A build image is never pulled only for bytecode `auto` might have skipped."""
        from layerbuild.install.container.compiler import ContainerCompiler
        from layerbuild.install.container.engine import engine_client
        from layerbuild.util.interpreters import find_interpreter

        if find_interpreter(target.python_version) is not None or self.bytecode == "none":
            return None
        image = self.image or target.build_image
        try:
            client = engine_client("compiling bytecode")
        except DockerUnavailable:
            return None
        try:
            from docker.errors import DockerException

            try:
                client.images.get(image)
                present = True
            except DockerException:
                present = False
        finally:
            client.close()
        if not (present or self.built_in_container or self.bytecode in ("alongside", "only")):
            return None
        return ContainerCompiler(image, target, self.network)

    def _built_here(self, lock: Lock, target: Target, dest: Path, name: str) -> str | None:
        """Build `name` from its sdist here, compilers disabled; None when that gave pure Python (now in
        `dest`), else why it must go to the build image."""
        from layerbuild.util.no_compilers import blocked_tool_in

        with tempfile.TemporaryDirectory(prefix="layerbuild-sdist-") as tmp:
            tree = Path(tmp) / "tree"
            try:
                self.wheels.install(lock, target, tree, frozenset(lock.names() - {name}))
            except NoCompatibleWheelError:
                return "the wheel its sdist gives holds compiled code"  # e.g. one uv built and cached earlier
            except InstallError as exc:
                tool = blocked_tool_in(str(exc))
                if tool:
                    return f"its build runs {tool}"
                return f"it does not build here ({exc})"  # missing headers or tools: the build image has them
            merge(tree, dest)
            shutil.rmtree(tree, ignore_errors=True)
        return None
