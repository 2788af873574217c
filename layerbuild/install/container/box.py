"""Install inside a Lambda-compatible build image (docker SDK), as SAM's `--use-container` does.

`BuildContainer` owns one container's whole life as a context manager: create, copy in, run, copy
out, and always remove (also on error, Ctrl-C or SIGTERM). `ContainerInstaller` uses it to fetch the
target's wheels and build sdists with the image's own Python and compiler, passing the user's index
settings and CA bundle through; the files come out through `get_archive`, so they belong to the user
running layerbuild, not to the container's root.

The docker SDK is imported only here, and only when a container is needed.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import tarfile
import tempfile
import threading
import uuid
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from layerbuild.errors import DockerUnavailable, EnvironmentProblem, InputError, InstallError
from layerbuild.install.interface import Installer
from layerbuild.model.lock import Lock, Pin
from layerbuild.model.target import Target
from layerbuild.util.progress import note, step
from layerbuild.util.redact import redact

LABEL = "layerbuild"  # every container we create carries layerbuild=1 (and the creating pid)
PING_TIMEOUT = 5.0  # seconds: with no engine, fail fast instead of hanging
WORK_TIMEOUT = 4 * 3600.0  # seconds: one exec (a long compile) may be silent for minutes
MAX_LIFETIME = 6 * 3600  # seconds: a container orphaned by SIGKILL stops by itself
JOB_ROOT = "/layerbuild"
CA_PATH = "/layerbuild-ca/ca.pem"
DOCKER_HELP = "start Docker (https://docs.docker.com/engine/install/) or point DOCKER_HOST at an engine"
# docker's name for each Lambda architecture
_DOCKER_ARCH = {"x86_64": "amd64", "arm64": "arm64"}
# Index and proxy settings a build in the container needs; values may hold tokens (never printed).
# Every PIP_* setting goes in (index, timeouts, retries…) except those naming this machine's paths or
# changing where pip installs, which would break the build in the image.
_PIP_ENV_KEPT_OUT = (
    "PIP_CERT",
    "PIP_CLIENT_CERT",
    "PIP_CONFIG_FILE",
    "PIP_TARGET",
    "PIP_PREFIX",
    "PIP_ROOT",
    "PIP_USER",
    "PIP_REQUIRE_VIRTUALENV",
    "PIP_CACHE_DIR",
    "PIP_SRC",
    "PIP_LOG",
    "PIP_BUILD",
    "PIP_NO_BINARY",
    "PIP_ONLY_BINARY",
    "PIP_REQUIRE_HASHES",
    "PIP_BREAK_SYSTEM_PACKAGES",
)
_PASS_ENV = (
    "UV_INDEX_URL",
    "UV_EXTRA_INDEX_URL",
    "UV_DEFAULT_INDEX",
    "UV_INDEX",
    "UV_FIND_LINKS",
    "UV_NO_INDEX",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "SOURCE_DATE_EPOCH",
)
_CA_ENV = ("PIP_CERT", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE")


def engine_client(purpose: str):
    """A docker client for a reachable engine, or `DockerUnavailable` within a few seconds."""
    try:
        import docker
        from docker.errors import DockerException
    except ImportError:
        raise DockerUnavailable(
            f"{purpose}, and the docker package (a dependency of layerbuild) is not "
            "installed: reinstall layerbuild (pip install layerbuild)"
        ) from None
    host = os.environ.get("DOCKER_HOST") or "the default socket (unix:///var/run/docker.sock)"
    try:
        probe = docker.from_env(timeout=PING_TIMEOUT)
        probe.ping()
        version = probe.api.api_version
        probe.close()
        return docker.from_env(timeout=WORK_TIMEOUT, version=version)
    except (DockerException, OSError) as exc:
        reason = _short_reason(exc)
        raise DockerUnavailable(
            f"{purpose}, but no Docker engine answers at {redact(host)} ({reason}): {DOCKER_HELP}"
        ) from None
    except Exception as exc:  # noqa: BLE001 - requests' own errors (timeouts, bad URLs) are all "no engine"
        raise DockerUnavailable(
            f"{purpose}, but no Docker engine answers at {redact(host)} ({type(exc).__name__}): {DOCKER_HELP}"
        ) from None


def _short_reason(exc: BaseException) -> str:
    text = str(exc)
    for marker in (
        "Connection refused",
        "No such file or directory",
        "timed out",
        "Permission denied",
        "Name or service not known",
    ):
        if marker in text:
            return marker.lower()
    return redact(text.splitlines()[0][:120]) if text else type(exc).__name__


class BuildContainer:
    """One build container, created on enter and removed on exit whatever happens.

    with BuildContainer(client, image, network="host") as box:
        box.copy_in({"in/job.json": b"…"}, JOB_ROOT)
        code, output = box.run(["python3", "/layerbuild/in/job.py"])
        box.copy_out("/layerbuild/out", dest)
    """

    def __init__(
        self,
        client,
        image: str,
        *,
        network: str | None = None,
        environment: dict | None = None,
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
        self.container = None
        self._old_sigterm = None

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

    def __exit__(self, *exc) -> None:
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

        def on_sigterm(signum, frame):
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
        self, argv: list[str], *, environment: dict | None = None, workdir: str | None = None, check: bool = False
    ) -> tuple[int, str]:
        """Run `argv` in the container: (exit code, stdout and stderr together)."""
        result = self.container.exec_run(argv, environment=environment, workdir=workdir, demux=False)
        output = (result.output or b"").decode("utf-8", "replace")
        if check and result.exit_code != 0:
            raise InstallError(f"{' '.join(argv)} failed in {self.image}: {_telling_line(output)}")
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


def _telling_line(output: str) -> str:
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


def _image_python_command(box: BuildContainer, version: str) -> str:
    """The image's interpreter of the target's minor version, or an error naming what the image has."""
    probe = (
        f"for p in python{version} python3 python; do "
        "if command -v $p >/dev/null 2>&1; then "
        "echo $p $($p -c 'import sys; print(\"%d.%d\" % sys.version_info[:2])'); fi; done"
    )
    _, out = box.run(["sh", "-c", probe])
    found = [line.split() for line in out.splitlines() if len(line.split()) == 2]
    for exe, ver in found:
        if ver == version:
            return exe
    have = ", ".join(sorted({ver for _, ver in found})) or "none"
    raise InputError(
        f"image {box.image} has no Python {version} (found: {have}): pass --image with a "
        f"python{version} build image, e.g. public.ecr.aws/sam/build-python{version}"
    )


def _find_links_paths(args: tuple[str, ...]) -> list[str]:
    paths = []
    for i, arg in enumerate(args):
        if arg == "--find-links" and i + 1 < len(args):
            paths.append(args[i + 1])
    return paths


def _local_path(value: str) -> Path | None:
    """A local folder or file named by a find-links value or a pin's source, or None for URLs."""
    if value.startswith("file://"):
        value = value[len("file://") :]
    elif "://" in value:
        return None
    path = Path(value).expanduser()
    return path.resolve() if path.exists() else None


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
        environment, mounts = _pass_through(lock)
        job = _job(pins, lock, target, _container_index_args(lock.index_args))
        names = ", ".join(p.name for p in pins)
        with step(f"Building {len(pins)} package(s) in {image}: {names}"):
            with image_session(image, target, purpose, self.network, environment, mounts) as (box, python):
                script = Path(__file__).with_name("container_job.py").read_bytes()
                box.copy_in({"in/job.json": json.dumps(job).encode(), "in/job.py": script}, JOB_ROOT)
                code, output = box.run([python, f"{JOB_ROOT}/in/job.py"])
                if code != 0:
                    raise InstallError(f"{_failed_step(output)} in {image} failed: {_telling_line(output)}")
                with tempfile.TemporaryDirectory(prefix="layerbuild-out-") as tmp:
                    box.copy_out(f"{JOB_ROOT}/out", Path(tmp))
                    _merge(Path(tmp), dest)
        self.built_in_container = tuple(p.name for p in pins)

    def compiler(self, target: Target) -> ContainerCompiler:
        """The bytecode seam (bytecode.compiler_for): the build image's own Python compiles the .pyc."""
        return ContainerCompiler(self.image_for(target), target, self.network)


@contextmanager
def image_session(
    image: str,
    target: Target,
    purpose: str,
    network: str | None = None,
    environment: dict | None = None,
    mounts: dict | None = None,
):
    """A running container of `image`, checked for the target (architecture, Python minor version):
    yields (BuildContainer, the image's python command); the container is removed afterwards."""
    client = engine_client(purpose)
    try:
        _ensure_image(client, image, target)
        with BuildContainer(
            client,
            image,
            network=network or _default_network(client),
            environment=environment,
            mounts=mounts,
            platform=f"linux/{_DOCKER_ARCH[target.arch]}",
        ) as box:
            yield box, _image_python_command(box, target.python_version)
    finally:
        client.close()


def _ensure_image(client, image: str, target: Target) -> None:
    from docker.errors import APIError, ImageNotFound

    try:
        found = client.images.get(image)
    except ImageNotFound:
        note(f"Pulling {image} (once; later builds reuse it)")
        try:
            found = client.images.pull(image, platform=f"linux/{_DOCKER_ARCH[target.arch]}")
        except APIError as exc:
            raise InputError(
                f"cannot pull build image {image} ({_short_reason(exc)}): pull it yourself, "
                "or pass --image with an image the engine has"
            ) from None
    arch = found.attrs.get("Architecture")
    if arch and arch != _DOCKER_ARCH[target.arch]:
        raise InputError(
            f"image {image} is for {arch}, but the target is {target.arch}: pass --image with "
            f"a {_DOCKER_ARCH[target.arch]} image, or --arch to match the image"
        )


class ContainerCompiler:
    """Compiles bytecode with the build image's Python (bytecode.Compiler): for targets whose Python
    this machine lacks, and for --backend container. Only .pyc files come back into the tree."""

    def __init__(self, image: str, target: Target, network: str | None = None) -> None:
        self.image = image
        self.target = target
        self.network = network
        self._version: str | None = None

    def _purpose(self) -> str:
        return f"compiling bytecode for {self.target.runtime} in {self.image} needs Docker"

    def version(self) -> str:
        if self._version is None:
            with image_session(self.image, self.target, self._purpose(), self.network) as (box, python):
                _, out = box.run([python, "-c", "import platform; print(platform.python_version())"], check=True)
            self._version = out.strip().splitlines()[-1]
        return self._version

    def compile(self, tree: Path, sourceless: bool) -> None:
        from layerbuild.bytecode.compile import LAMBDA_LAYER_PATH

        # The tree sits at /opt/python in the container, where Lambda mounts it: the code objects'
        # file names are then exactly the ones Lambda shows in tracebacks.
        args = [
            "-m",
            "compileall",
            "-q",
            "-j0",
            "--invalidation-mode",
            "unchecked-hash",
            "-s",
            LAMBDA_LAYER_PATH,
            "-p",
            LAMBDA_LAYER_PATH,
            "-x",
            r"[.]dist-info/",
        ]
        if sourceless:
            args.append("-b")
        with image_session(
            self.image, self.target, self._purpose(), self.network, environment={"PYTHONHASHSEED": "0"}
        ) as (box, python):
            parent = str(PurePosixPath(LAMBDA_LAYER_PATH).parent)
            box.put_tree(tree, parent, PurePosixPath(LAMBDA_LAYER_PATH).name)
            code, output = box.run([python, *args, LAMBDA_LAYER_PATH])
            # compileall exits 1 when a file has a syntax error: that file stays uncompiled, as locally.
            if code not in (0, 1):
                raise EnvironmentProblem(
                    f"compiling bytecode in {self.image} failed ({_telling_line(output)}): use --bytecode none"
                )
            box.copy_out(LAMBDA_LAYER_PATH, tree, only_suffix=".pyc")


def _default_network(client) -> str | None:
    """The engine's default network, or host networking where the engine has no bridge (as on our CI)."""
    try:
        if client.networks.list(names=["bridge"]):
            return None
    except Exception:  # noqa: BLE001 - older engines: keep docker's default
        return None
    return "host"


def _job(pins: list[Pin], lock: Lock, target: Target, index_args: list[str]) -> dict:
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
        "index_args": index_args,
        "python_version": target.python_version,
        "platforms": list(target.platform_tags),
    }


def _container_index_args(args: tuple[str, ...]) -> list[str]:
    """The lock's index options for pip in the container: local find-links become absolute paths
    (mounted at the same place)."""
    out = list(args)
    for i, arg in enumerate(out[:-1]):
        if arg == "--find-links":
            local = _local_path(out[i + 1])
            if local is not None:
                out[i + 1] = str(local)
    return out


def _pass_through(lock: Lock) -> tuple[dict[str, str], dict[str, str]]:
    """Environment and read-only mounts that give the container the user's index, proxy and CA bundle."""
    env = {k: os.environ[k] for k in _PASS_ENV if os.environ.get(k)}
    env.update({k: v for k, v in os.environ.items() if k.startswith("PIP_") and k not in _PIP_ENV_KEPT_OUT and v})
    # pip in the image reads only PIP_*: translate the uv settings a uv user has.
    if "PIP_INDEX_URL" not in env:
        for name in ("UV_DEFAULT_INDEX", "UV_INDEX_URL"):
            if env.get(name):
                env["PIP_INDEX_URL"] = env[name]
                break
    if "PIP_EXTRA_INDEX_URL" not in env:
        extra = env.get("UV_EXTRA_INDEX_URL", "").split()
        # UV_INDEX holds `[name=]url` items.
        extra += [
            item.split("=", 1)[1] if "=" in item.split("://")[0] else item for item in env.get("UV_INDEX", "").split()
        ]
        if extra:
            env["PIP_EXTRA_INDEX_URL"] = " ".join(extra)
    if "PIP_FIND_LINKS" not in env and env.get("UV_FIND_LINKS"):
        env["PIP_FIND_LINKS"] = env["UV_FIND_LINKS"]
    if "PIP_NO_INDEX" not in env and env.get("UV_NO_INDEX"):
        env["PIP_NO_INDEX"] = env["UV_NO_INDEX"]
    env.update(
        {
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "PIP_NO_INPUT": "1",
            "PIP_ROOT_USER_ACTION": "ignore",
            "PIP_PROGRESS_BAR": "off",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    mounts: dict[str, str] = {}
    for name in _CA_ENV:
        value = os.environ.get(name)
        if value and Path(value).is_file():
            mounts[str(Path(value).resolve())] = CA_PATH
            env.update({k: CA_PATH for k in _CA_ENV})
            break
    # Local wheel folders and files (find-links, `name @ file://…` pins) are seen at the same path.
    local = [*_find_links_paths(lock.index_args), *env.get("PIP_FIND_LINKS", "").split()]
    local += [p.source for p in lock.pins if p.source]
    for value in local:
        path = _local_path(value)
        if path is not None:
            mounts[str(path if path.is_dir() else path.parent)] = str(path if path.is_dir() else path.parent)
    return env, mounts


def _failed_step(output: str) -> str:
    steps = [line.split(":", 1)[1].strip() for line in output.splitlines() if line.startswith("layerbuild-step:")]
    return steps[-1] if steps else "starting the build"


def _merge(src: Path, dest: Path) -> None:
    """Move the container's output into the staging tree (a package may share a namespace folder)."""
    for entry in sorted(src.iterdir()):
        target = dest / entry.name
        if entry.is_dir() and not entry.is_symlink() and target.is_dir():
            _merge(entry, target)
        else:
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            os.replace(entry, target)
