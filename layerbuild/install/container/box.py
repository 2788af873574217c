"""`BuildContainer`: one build container's whole life as a context manager.

Created on enter (from an image, with the environment and read-only mounts it is given, its main
process a bounded `sleep`), then files are copied in, commands run, files copied out, and the container
is always removed on exit: also on error, Ctrl-C or SIGTERM, which is turned into `SystemExit` while one
lives. Containers carry `layerbuild=1` and the creating pid as labels; ours that exited on their own (the
creator was killed -9) are swept by the next one. Files leave through `get_archive`, extracted with
tarfile's `data` filter, so they belong to the user running layerbuild, not to the container's root.
What runs inside is job.py; which image and Python is session.py.
"""

from __future__ import annotations

import io
import os
import signal
import tarfile
import tempfile
import threading
import uuid
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from types import FrameType, TracebackType
from typing import Any

from layerbuild.errors import InstallError
from layerbuild.util.redact import redact

LABEL = "layerbuild"  # every container we create carries layerbuild=1 (and the creating pid)
MAX_LIFETIME = 6 * 3600  # seconds: a container orphaned by SIGKILL stops by itself


class BuildContainer:
    """One build container, created on enter and removed on exit whatever happens.

    with BuildContainer(client, image, network="host") as box:
        box.copy_in({"in/job.json": b"…"}, JOB_ROOT)
        code, output = box.run(["python3", "/layerbuild/in/job.py"])
        box.copy_out("/layerbuild/out", dest)
    """

    def __init__(
        self,
        client: Any,
        image: str,
        *,
        network: str | None = None,
        environment: dict[str, str] | None = None,
        mounts: dict[str, str] | None = None,
        platform: str | None = None,
    ) -> None:
        self.client = client
        self.image = image
        self.network = network
        self.environment = dict(environment or {})
        self.mounts = dict(mounts or {})  # host path -> container path, read-only
        self.platform = platform
        self.name = f"layerbuild-{os.getpid()}-{uuid.uuid4().hex[:10]}"
        self.container: Any = None
        self._old_sigterm: signal.Handlers | Callable[[int, FrameType | None], Any] | int | None = None

    def __enter__(self) -> BuildContainer:
        self._sweep_exited()
        self._trap_sigterm()
        try:
            from docker.types import Mount

            mounts = [
                Mount(target=inside, source=host, type="bind", read_only=True)
                for host, inside in sorted(self.mounts.items())
            ]
            self.container = self.client.containers.create(
                self.image,
                name=self.name,
                entrypoint=["sleep"],
                command=[str(MAX_LIFETIME)],
                labels={LABEL: "1", f"{LABEL}.pid": str(os.getpid())},
                environment=self.environment,
                mounts=mounts,
                network_mode=self.network,
                platform=self.platform,
                working_dir="/",
                user="0:0",
                detach=True,
            )
            self.container.start()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if self.container is not None:
                self._remove()
            else:
                # create may have failed after the engine made the container (e.g. interrupted mid-call)
                self._remove_by_name()
        finally:
            self._restore_sigterm()

    def _remove(self) -> None:
        from docker.errors import APIError, NotFound

        try:
            self.container.remove(force=True)
        except NotFound:
            pass
        except APIError as exc:
            if "already in progress" not in str(exc):
                raise
        self.container = None

    def _remove_by_name(self) -> None:
        from docker.errors import DockerException

        try:
            for c in self.client.containers.list(all=True, filters={"name": self.name}):
                c.remove(force=True)
        except DockerException:
            pass

    def _sweep_exited(self) -> None:
        """Remove our containers that stopped on their own: left by a layerbuild that was killed -9."""
        from docker.errors import DockerException

        try:
            for c in self.client.containers.list(all=True, filters={"label": f"{LABEL}=1", "status": "exited"}):
                c.remove(force=True)
        except DockerException:
            pass

    def _trap_sigterm(self) -> None:
        # SIGTERM (CI cancelling a job, `kill`) would end Python without running `finally`: turn it
        # into SystemExit so the container is still removed. Only the main thread may set handlers.
        if threading.current_thread() is not threading.main_thread():
            return
        from layerbuild.util.children import stop_signal_handler

        if signal.getsignal(signal.SIGTERM) is stop_signal_handler:
            return  # the CLI's handler (children.py) already stops child processes and unwinds

        def on_sigterm(signum: int, frame: FrameType | None) -> None:
            raise SystemExit(128 + signum)

        self._old_sigterm = signal.signal(signal.SIGTERM, on_sigterm)

    def _restore_sigterm(self) -> None:
        if self._old_sigterm is not None:
            signal.signal(signal.SIGTERM, self._old_sigterm)
            self._old_sigterm = None

    def copy_in(self, files: dict[str, bytes], dest: str) -> None:
        """Write `files` (relative posix path -> bytes) under `dest` in the container."""
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as tf:
            for rel, data in sorted(files.items()):
                info = tarfile.TarInfo(rel)
                info.size = len(data)
                info.mode = 0o644
                tf.addfile(info, io.BytesIO(data))
        self.run(["mkdir", "-p", dest], check=True)
        self.container.put_archive(dest, buf.getvalue())

    def run(
        self,
        argv: list[str],
        *,
        environment: dict[str, str] | None = None,
        workdir: str | None = None,
        check: bool = False,
    ) -> tuple[int, str]:
        """Run `argv` in the container: (exit code, stdout and stderr together)."""
        result = self.container.exec_run(argv, environment=environment, workdir=workdir, demux=False)
        output = (result.output or b"").decode("utf-8", "replace")
        if check and result.exit_code != 0:
            raise InstallError(f"{' '.join(argv)} failed in {self.image}: {telling_line(output)}")
        return result.exit_code, output

    def put_tree(self, tree: Path, parent: str, name: str) -> None:
        """Copy the local folder `tree` into the container as `parent/name`."""
        self.run(["mkdir", "-p", parent], check=True)
        with tempfile.TemporaryFile() as tmp:
            with tarfile.open(fileobj=tmp, mode="w") as tf:
                tf.add(str(tree), arcname=name)
            tmp.seek(0)
            self.container.put_archive(parent, tmp)

    def copy_out(self, path: str, dest: Path, only_suffix: str | None = None) -> None:
        """Copy the folder `path` from the container into `dest` (merged), owned by the current user;
        with `only_suffix`, only the files whose names end with it."""
        stream, _ = self.container.get_archive(path)
        dest.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile() as tmp:
            for chunk in stream:
                tmp.write(chunk)
            tmp.seek(0)
            with tarfile.open(fileobj=tmp) as tf:
                top = PurePosixPath(path).name
                members = []
                for m in tf.getmembers():
                    parts = PurePosixPath(m.name).parts
                    if not parts or parts[0] != top or len(parts) == 1:
                        continue
                    if only_suffix and not (m.isreg() and m.name.endswith(only_suffix)):
                        continue
                    m.name = str(PurePosixPath(*parts[1:]))
                    members.append(m)
                if hasattr(tarfile, "data_filter"):
                    # 'data': no owners, no setuid bits, nothing outside dest, no device files.
                    tf.extractall(dest, members=members, filter="data")
                else:  # Python 3.10 before 3.10.12
                    for m in members:
                        if (
                            m.name.startswith("/")
                            or ".." in PurePosixPath(m.name).parts
                            or not (m.isreg() or m.isdir() or m.issym())
                        ):
                            raise InstallError(f"unexpected entry {m.name!r} in the container's output")
                        m.uid, m.gid = os.getuid(), os.getgid()
                        m.mode &= 0o755
                    tf.extractall(dest, members=members, numeric_owner=False)


def telling_line(output: str) -> str:
    """The most useful line of pip's output: the compiler's or pip's first real error."""
    lines = [line.strip() for line in redact(output).splitlines() if line.strip()]
    generic = (
        "subprocess-exited-with-error",
        "metadata-generation-failed",
        "Failed building wheel",
        "Failed to build",
        "failed-wheel-build",
        "legacy-install-failure",
        "Could not build wheels",
        "exit status",
        "exit code",
    )
    for line in lines:
        low = line.lower()
        if ("error:" in low or "error " in low[:7]) and not any(g.lower() in low for g in generic):
            return line[:300]
    return lines[-1][:300] if lines else "no output"
