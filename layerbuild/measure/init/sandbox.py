"""A Lambda-like execution environment on this machine, to run a function's init as Lambda runs it.

    from layerbuild.measure.init.sandbox import Sandbox
    with Sandbox(code="src/", layers=["deps.zip"], target=Target("python3.12", "x86_64"),
                 memory_mb=512, handler="app.handler") as box:
        run = box.run("import app", timeout=30, cpu_share=box.cpu_share(), importtime=True)
        run.returncode, run.stdout, run.stderr, run.network, run.read_only, run.cpu

Layout (facts/lambda_environment.py), under a temporary root that the context removes:
- `var/task/`: the code, a folder copied (without `.git`, `__pycache__`, `.aws-sam`, `.venv`, tool caches)
  or a zip extracted; `None` for a layer alone (an empty task root);
- `opt/`: each layer in order, zip extracted or folder (the layer's root, holding `python/`) copied, a
  later layer's file replacing an earlier one's, as Lambda does;
- `var/runtime/`: the runtime's own boto3 family (runtime_sdk_dir.py; `sdk_note` says why when absent);
- `tmp/`: the one writable folder (TMPDIR and HOME point there).
`var/task` and `opt` are read-only to the interpreter: file modes (for a non-root user) and the bootstrap's
audit hook (also for root) refuse writes with EROFS; `-B` and PYTHONDONTWRITEBYTECODE write no .pyc.

Each `run` is a fresh interpreter of the runtime's minor version (util/interpreters.py) with
`-B -S -s -E`, cwd the task root, `sys.path` = `box.sys_path` (task root, opt/python,
opt/python/lib/pythonX.Y/site-packages, runtime SDK) then the standard library, Lambda's environment
variables with dummy credentials (nothing of this machine's environment but PATH), no network (as root with
util-linux: its own network namespace via `unshare --net`; always: non-loopback connections and lookups
refused by bootstrap.py's audit hook, which names what was tried), a timeout that kills the whole process tree (util/children.py), and
optionally a CPU quota of `cpu_share` cores (cpu_quota.py; `box.cpu_share(memory)` is Lambda's).
"""

from __future__ import annotations

import os
import platform
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from layerbuild.errors import EnvironmentProblem
from layerbuild.facts import lambda_environment as lam
from layerbuild.measure.init.netns import loopback_up, netns_prefix
from layerbuild.measure.init.unpack import set_writable, unpack
from layerbuild.model.target import Target

_SKIP_IN_CODE = {".git", "__pycache__", ".aws-sam", ".venv", ".mypy_cache", ".pytest_cache", ".ruff_cache"}
_MARK = "@@layerbuild-sandbox "


@dataclass(frozen=True)
class CpuUse:
    """The quota the kernel held for the run's cgroup, and the CPU time its processes used."""

    share: float  # cores asked for
    quota_us: int  # read back from the cgroup
    period_us: int
    usage_ns: int | None  # None where the kernel does not count it


@dataclass(frozen=True)
class SandboxRun:
    returncode: int  # -9 after a timeout
    stdout: str
    stderr: str  # without the sandbox's own report lines
    timed_out: bool
    wall_s: float
    network: tuple[str, ...]  # "host:port" the code tried to reach (refused)
    read_only: tuple[str, ...]  # paths it tried to write under the task root or /opt (refused)
    cpu: CpuUse | None  # None when run without a quota


class Sandbox:
    """A prepared Lambda-like layout and the runtime's interpreter; `run()` as often as needed."""

    def __init__(
        self,
        *,
        code: str | Path | None,
        layers: list[str | Path] | tuple[str | Path, ...],
        target: Target,
        memory_mb: int = 128,
        handler: str = "",
        function_name: str = lam.DEFAULT_FUNCTION_NAME,
        region: str = lam.DEFAULT_REGION,
        runtime_sdk: bool = True,
    ) -> None:
        self.code = Path(code) if code is not None else None
        self.layers = [Path(layer) for layer in layers]
        self.target = target
        self.memory_mb = memory_mb
        self.handler = handler
        self.function_name = function_name
        self.region = region
        self.want_sdk = runtime_sdk
        self.sdk_note = ""

    # -- layout -------------------------------------------------------------------------------------
    def __enter__(self) -> Sandbox:
        from layerbuild.util.interpreters import find_interpreter

        python = find_interpreter(self.target.python_version)
        if python is None:
            raise EnvironmentProblem(
                f"no Python {self.target.python_version} interpreter on this machine to run {self.target.runtime}'s "
                f"init: install one (e.g. `uv python install {self.target.python_version}`)"
            )
        self.python = python
        self._tmp: tempfile.TemporaryDirectory[str] | None = tempfile.TemporaryDirectory(prefix="layerbuild-sandbox-")
        self.root = Path(self._tmp.name)
        try:
            self._lay_out()
        except BaseException:
            self.__exit__()
            raise
        return self

    def _lay_out(self) -> None:
        self.task_root = self.root / lam.TASK_ROOT
        self.opt = self.root / lam.OPT
        self.tmp = self.root / lam.TMP
        for folder in (self.task_root, self.opt, self.tmp):
            folder.mkdir(parents=True)
        if self.code is not None:
            unpack(self.code, self.task_root, "--code", _SKIP_IN_CODE)
        for layer in self.layers:
            unpack(layer, self.opt, "--layer")
        v = self.target.python_version
        self.sys_path = [str(self.task_root)] + [str(self.opt / p.format(v=v)) for p in lam.LAYER_PYTHON_PATHS]
        self.runtime_dir = self.root / lam.RUNTIME_DIR
        sdk = None
        if self.want_sdk:
            from layerbuild.measure.init.runtime_sdk_dir import runtime_sdk_folder

            sdk, self.sdk_note = runtime_sdk_folder(self.target, self.python)
        if sdk is not None:
            self.runtime_dir.parent.mkdir(parents=True, exist_ok=True)
            self.runtime_dir.symlink_to(sdk, target_is_directory=True)
            self.sys_path.append(str(self.runtime_dir))
        self._check_machine()
        self.bootstrap = self.root / "layerbuild-bootstrap.py"  # outside every folder on sys.path
        from layerbuild.measure.init.bootstrap import BOOTSTRAP

        self.bootstrap.write_text(BOOTSTRAP)
        if os.geteuid() != 0:
            for folder in (self.task_root, self.opt):
                set_writable(folder, False)

    def _check_machine(self) -> None:
        if self.target.machine == platform.machine():
            return
        for folder in (self.task_root, self.opt):
            for _dirpath, _, filenames in os.walk(folder):
                if any(n.endswith(".so") or ".so." in n for n in filenames):
                    raise EnvironmentProblem(
                        f"the code or layers hold native libraries for {self.target.machine} and this machine is "
                        f"{platform.machine()}: measure init on a {self.target.arch} machine"
                    )

    def __exit__(self, *exc: object) -> None:
        tmp = getattr(self, "_tmp", None)
        if tmp is None:
            return
        if os.geteuid() != 0:
            set_writable(self.root, True)
        tmp.cleanup()
        self._tmp = None

    # -- runs ---------------------------------------------------------------------------------------
    @property
    def network_isolation(self) -> str:
        """How the network is kept from the code, in words (for reports)."""
        hook = "connections and lookups to non-loopback hosts refused by an audit hook"
        return (
            f"no network: its own network namespace (unshare --net, {'only loopback up' if loopback_up() else 'loopback down too'}), and {hook}"
            if netns_prefix()
            else f"{hook} (Python sockets only)"
        )

    def cpu_share(self, memory_mb: int | None = None) -> float:
        """Lambda's CPU share at `memory_mb` (default: the sandbox's), in cores, at most this machine's."""
        from layerbuild.measure.cost_model import vcpu_share

        return min(vcpu_share(memory_mb or self.memory_mb), float(os.cpu_count() or 1))

    def environment(self, memory_mb: int | None = None) -> dict[str, str]:
        env = lam.lambda_environment(
            runtime=self.target.runtime,
            memory_mb=memory_mb or self.memory_mb,
            handler=self.handler,
            function_name=self.function_name,
            region=self.region,
            task_root=str(self.task_root),
            runtime_dir=str(self.runtime_dir),
        )
        lib = [str(self.opt / "lib"), str(self.task_root / "lib")]
        env.update(
            PATH=f"{self.opt / 'bin'}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}",
            LD_LIBRARY_PATH=os.pathsep.join(lib),
            TMPDIR=str(self.tmp),
            HOME=str(self.tmp),
            AWS_CONFIG_FILE=str(self.tmp / ".aws-config-none"),
            AWS_SHARED_CREDENTIALS_FILE=str(self.tmp / ".aws-credentials-none"),
        )
        return env

    def run(
        self,
        script: str,
        args: tuple[str, ...] | list[str] = (),
        *,
        timeout: float = 60.0,
        cpu_share: float | None = None,
        memory_mb: int | None = None,
        importtime: bool = False,
        env: dict[str, str] | None = None,
    ) -> SandboxRun:
        """Run `script` (Python source) in a fresh interpreter inside the sandbox. `cpu_share` in cores
        (None: no quota); raises EnvironmentProblem when a quota is asked for and none can be set."""
        script_file = self.tmp.parent / f"layerbuild-script-{time.monotonic_ns()}.py"
        script_file.write_text(script)
        cmd = [*netns_prefix(), str(self.python), "-B", "-S", "-s", "-E"]
        if importtime:
            cmd += ["-X", "importtime"]
        cmd += [str(self.bootstrap), os.pathsep.join(self.sys_path), f"{self.task_root}{os.pathsep}{self.opt}"]
        cmd += [str(script_file), *args]
        full_env = {**self.environment(memory_mb), **(env or {})}
        try:
            if cpu_share is None:
                return self._popen(cmd, full_env, timeout, None)
            from layerbuild.measure.init.cpu_quota import CpuQuota, quota_unavailable

            reason = quota_unavailable()
            if reason:
                raise EnvironmentProblem(f"cannot set a CPU quota: {reason}")
            with CpuQuota(cpu_share) as quota:
                return self._popen(cmd, full_env, timeout, quota)
        finally:
            script_file.unlink(missing_ok=True)

    def _popen(self, cmd: list[str], env: dict[str, str], timeout: float, quota: object) -> SandboxRun:
        from layerbuild.measure.init.cpu_quota import CpuQuota
        from layerbuild.util.children import stop_tree

        q = quota if isinstance(quota, CpuQuota) else None
        start = time.perf_counter()
        proc = subprocess.Popen(
            cmd,
            cwd=self.task_root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            preexec_fn=q.preexec if q else None,  # noqa: PLW1509 - joins the cgroup before exec, nothing else
        )
        timed_out = False
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            stop_tree(proc.pid)
            out, err = proc.communicate()
        except BaseException:
            stop_tree(proc.pid)
            proc.wait()
            raise
        wall = time.perf_counter() - start
        cpu = None
        if q is not None:
            quota_us, period_us = q.read_back()
            cpu = CpuUse(q.share, quota_us, period_us, q.usage_ns())
        stdout = out.decode("utf-8", "replace")
        lines = err.decode("utf-8", "replace").splitlines()
        marks = [line[len(_MARK) :].split(" ", 1) for line in lines if line.startswith(_MARK)]
        rest = [line for line in lines if not line.startswith(_MARK)]
        return SandboxRun(
            returncode=proc.returncode,
            stdout=stdout,
            stderr="\n".join(rest).strip("\n") + ("\n" if rest else ""),
            timed_out=timed_out,
            wall_s=wall,
            network=tuple(dict.fromkeys(m[1] for m in marks if m[0] == "network" and len(m) > 1)),
            read_only=tuple(dict.fromkeys(m[1] for m in marks if m[0] == "read-only" and len(m) > 1)),
            cpu=cpu,
        )
