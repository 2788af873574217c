"""Which layer files a handler's init and the replay of its events use: one traced run, fresh interpreter.

`--bytecode init` compiles `.pyc` for the modules this finds imported; `--prune unused` removes the
layer files it finds neither imported nor opened, then replays again on the pruned layer. The run is
trace_child.py in an interpreter of the target's Python through the sandbox's bootstrap
(measure/init/bootstrap.py: `-B -S -s -E`, `sys.path` in Lambda's order, code and layer read-only, no
network to other hosts) and Lambda's environment with dummy credentials (facts/lambda_environment.py),
so SDK clients at module scope work offline. It runs on the folders in place (a build's staging tree is
not copied for each replay). A run that outlives `timeout` is killed with every process it started.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from layerbuild.errors import InputError

TRACE_TIMEOUT = 120.0  # seconds for init and every replay together
_CHILD = Path(__file__).with_name("trace_child.py")


@dataclass(frozen=True)
class Phase:
    """Init, or the replay of one event: did it pass, and if not, what the traceback shows."""

    phase: str  # "init" | "event"
    ok: bool
    event: str | None = None
    error: dict[str, Any] | None = None  # type, message, name, filename, frames, line

    def describe(self) -> str:
        what = "init" if self.phase == "init" else f"the replay of {self.event}"
        line = (self.error or {}).get("line") or (self.error or {}).get("message") or "failed"
        return f"{what} failed ({line})"


@dataclass(frozen=True)
class Trace:
    """What one run used, as paths relative to the layer root (the tree's python/ folder)."""

    phases: tuple[Phase, ...]
    modules: dict[str, tuple[str, ...]]  # module name -> its files (__file__, package folders)
    opened: frozenset[str]
    dlopened: frozenset[str]  # names ctypes asked the loader for (may be bare sonames)

    @property
    def passed(self) -> bool:
        return all(p.ok for p in self.phases)

    @property
    def first_failure(self) -> Phase | None:
        return next((p for p in self.phases if not p.ok), None)

    def module_files(self) -> frozenset[str]:
        """Files (not folders) of the modules imported: sources, .pyc, extensions."""
        return frozenset(f for files in self.modules.values() for f in files if not f.endswith("/"))

    def used(self) -> frozenset[str]:
        return self.module_files() | self.opened


@contextmanager
def code_folder(code: str | Path) -> Iterator[Path]:
    """The function's code as a folder: itself, or a deployment zip extracted (unpack.py) to a temporary one."""
    path = Path(code)
    if path.is_dir():
        yield path.resolve()
        return
    if not path.exists():
        raise InputError(f"--code {code}: no such folder or zip: name the function's code folder or its zip")
    from layerbuild.measure.init.unpack import unpack

    with tempfile.TemporaryDirectory(prefix="layerbuild-code-") as tmp:
        unpack(path, Path(tmp), "--code")
        yield Path(tmp)


def check_handler(code: Path, handler: str) -> None:
    """`module.function` naming a module file in `code`; else an InputError saying what to pass."""
    module, dot, function = handler.rpartition(".")
    if not dot or not module or not function.isidentifier():
        raise InputError(f"--handler {handler!r} is not MODULE.FUNCTION: pass e.g. app.handler")
    rel = module.replace(".", "/")
    if not any((code / f"{rel}{suffix}").exists() for suffix in (".py", "/__init__.py", ".pyc")):
        raise InputError(f"--handler {handler}: no {rel}.py in {code}: check --code and --handler")


def trace_handler(
    python: Path,
    code: Path,
    layer_root: Path,
    handler: str,
    events: Sequence[Path],
    *,
    runtime: str,
    after: Sequence[Path] = (),
    timeout: float = TRACE_TIMEOUT,
) -> Trace:
    """Init `handler` from `code` with `layer_root` (a layer's python/ folder) as the only layer, then
    replay `events` in the same interpreter. Runs through the sandbox's bootstrap (bootstrap.py): sys.path
    in Lambda's order, the code and the layer read-only, no network to other hosts."""
    from layerbuild.facts import lambda_environment as lam
    from layerbuild.measure.init.bootstrap import BOOTSTRAP
    from layerbuild.util.children import stop_tree

    root = layer_root.resolve()
    version = runtime.removeprefix("python")
    site = root / f"lib/python{version}/site-packages"
    sys_path = [str(code), str(root), *([str(site)] if site.is_dir() else []), *(str(p) for p in after)]
    with tempfile.TemporaryDirectory(prefix="layerbuild-trace-") as tmp:
        spec_path, out, boot = Path(tmp) / "spec.json", Path(tmp) / "trace.json", Path(tmp) / "bootstrap.py"
        home = Path(tmp) / "tmp"
        home.mkdir()
        boot.write_text(BOOTSTRAP)
        spec = {
            "layers": [str(root)],
            "handler": handler,
            "events": [str(Path(e).resolve()) for e in events],
            "out": str(out),
        }
        spec_path.write_text(json.dumps(spec))
        env = lam.lambda_environment(
            runtime=runtime,
            memory_mb=1024,
            handler=handler,
            function_name=code.name or lam.DEFAULT_FUNCTION_NAME,
            region=lam.DEFAULT_REGION,
            task_root=str(code),
            runtime_dir=str(after[0]) if after else "",
        )
        env.update(PATH=os.environ.get("PATH", "/usr/bin:/bin"), HOME=str(home), TMPDIR=str(home))
        cmd = [str(python), "-B", "-S", "-s", "-E", str(boot), os.pathsep.join(sys_path)]
        cmd += [f"{code}{os.pathsep}{root}", str(_CHILD), str(spec_path)]
        proc = subprocess.Popen(
            cmd, cwd=code, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        try:
            _, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            stop_tree(proc.pid)
            proc.communicate()
            raise InputError(
                f"--handler {handler}: init and replay took longer than {timeout:.0f} s and were stopped: "
                "does init wait on a network or a lock?"
            ) from None
        except BaseException:
            stop_tree(proc.pid)
            proc.wait()
            raise
        if not out.is_file():
            lines = [ln for ln in err.decode("utf-8", "replace").splitlines() if ln.strip()]
            raise InputError(
                f"--handler {handler}: the traced run ended before writing its result ({(lines or [f'exit {proc.returncode}'])[-1][:300]})"
            )
        data = json.loads(out.read_text(encoding="utf-8"))
    prefix = str(root) + os.sep

    def rel(path: str) -> str:
        return path[len(prefix) :] if path.startswith(prefix) else path

    return Trace(
        phases=tuple(Phase(p["phase"], p["ok"], p.get("event"), p.get("error")) for p in data["phases"]),
        modules={
            name: tuple(rel(f) + ("/" if (root / rel(f)).is_dir() else "") for f in files)
            for name, files in data["modules"].items()
        },
        opened=frozenset(rel(p) for p in data["opened"] if (root / rel(p)).is_file()),
        dlopened=frozenset(data["dlopened"]),
    )
