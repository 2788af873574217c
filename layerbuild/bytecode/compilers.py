"""The compiler seam: who writes the .pyc, behind a tiny protocol so the build container can do it.

    class Compiler(Protocol):
        def version(self) -> str: ...                            # "3.11.7"
        def compile(self, tree: Path, sourceless: bool) -> None: ...

`LocalCompiler(python)` runs `python -m compileall` on this machine. `choose_compiler` picks one: an
installer that owns a Python of the target's version (the Docker build image) offers it through
`Installer.compiler(target)`, which wins; otherwise the interpreter of the target's minor version the
build found once (`util.interpreters.find_interpreter`: PATH, pyenv, uv; `LAYERBUILD_PYTHON_SEARCH_PATH`
restricts the search). A compiler must write byte-identical output for the same tree (fixed
PYTHONHASHSEED, `co_filename` under /opt/python, never a path of the build machine) and must not touch
files other than .py/.pyc.
"""

from __future__ import annotations

import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Protocol, runtime_checkable

from layerbuild.errors import EnvironmentProblem
from layerbuild.util.interpreters import interpreter_version

# Where Lambda mounts a layer's python/ folder: the file name compiled into each code object, so
# tracebacks read like Lambda's and the bytes never depend on the build machine's folders.
LAMBDA_LAYER_PATH = "/opt/python"


def compileall_args(strip_dir: str, sourceless: bool) -> list[str]:
    """`python -m compileall` options every compiler uses, here or in the build image: unchecked-hash
    .pyc (timestamps are meaningless once zip dates are fixed), paths recorded as /opt/python, dist-info
    left alone, `-b` for sourceless layers."""
    args = ["-m", "compileall", "-q", "-j0", "--invalidation-mode", "unchecked-hash"]
    args += ["-s", strip_dir, "-p", LAMBDA_LAYER_PATH, "-x", r"[.]dist-info/"]
    return [*args, "-b"] if sourceless else args


@runtime_checkable
class Compiler(Protocol):
    def version(self) -> str:
        """The full version of the Python that compiles ("3.11.7")."""

    def compile(self, tree: Path, sourceless: bool) -> None:
        """Compile every .py under `tree` (not `*.dist-info`) to unchecked-hash .pyc.

        `sourceless`: write `mod.pyc` next to `mod.py` (legacy layout) instead of `__pycache__/`;
        removing the sources is the caller's job. Raises a LayerbuildError when compiling cannot run;
        a file with a syntax error is left uncompiled (it cannot be imported either).
        """


class LocalCompiler:
    """Compiles with an interpreter on this machine (`python -m compileall`)."""

    def __init__(self, python: Path, version: str | None = None) -> None:
        self.python = Path(python)
        self._version = version or None
        self._warm: tuple[tuple[str, bool], subprocess.Popen[str]] | None = None  # see `warm`

    def version(self) -> str:
        if self._version is None:
            self._version = interpreter_version(self.python)
        return self._version

    def _listing_args(self, root: str, sourceless: bool) -> list[str]:
        """The command that compiles the files listed on its stdin."""
        return [str(self.python), *compileall_args(root, sourceless), "-i", "-"]

    @staticmethod
    def _env() -> dict[str, str]:
        # Output is the same whatever the worker count or order (checked by tests/unit/bytecode/
        # test_bytecode.py); PYTHONHASHSEED=0 pins set/frozenset constant order anyway.
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
        env["PYTHONHASHSEED"] = "0"
        return env

    def warm(self, tree: Path, sourceless: bool) -> None:
        """Start one compiling process for `tree` now, to be given its files by a later `compile`: it
        starts and imports compileall (0.05 s of the 0.08 s a rebuild's one new package takes) while
        the build slims, then waits for its list on stdin. `close` ends it when no compile came."""
        if self._warm is not None:
            return
        root = str(tree.resolve())
        try:
            proc = subprocess.Popen(
                self._listing_args(root, sourceless),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=self._env(),
            )
        except OSError:
            return  # compile starts its own, and says what failed
        self._warm = ((root, sourceless), proc)

    def close(self) -> None:
        """End the process `warm` started, if no compile used it (an empty list: it compiles nothing)."""
        warm, self._warm = self._warm, None
        if warm is not None:
            try:
                warm[1].communicate("", timeout=60)
            except (OSError, ValueError, subprocess.TimeoutExpired):
                warm[1].kill()
                warm[1].wait()

    def compile(self, tree: Path, sourceless: bool, files: list[str] | None = None) -> None:
        """As Compiler.compile; `files` (relative to `tree`) limits it to those sources."""
        root = str(tree.resolve())
        args = [str(self.python), *compileall_args(root, sourceless)]
        # -j0: one worker per core.
        env = self._env()
        jobs: list[tuple[list[str], str | None]]
        if files is None:
            jobs = [([*args, root], None)]
        else:
            # A file list is compiled serially by compileall: one process per core, each given its share
            # on stdin (no command-line length limit), shares balanced by source size. On numpy+pandas
            # (707 sources, two cores) that is 2.13 s against 2.75 s for `-j0` over the folder, whose
            # process pool starts late and hands out one file at a time.
            n = max(1, min(os.cpu_count() or 1, len(files)))
            jobs = [
                (self._listing_args(root, sourceless), "".join(f"{root}/{f}\n" for f in share))
                for share in _balanced(tree, files, n)
            ]
        warm = None
        if files is not None and self._warm is not None and self._warm[0] == (root, sourceless):
            warm, self._warm = self._warm[1], None  # the first share goes to the process started early

        def run(job: tuple[list[str], str | None]) -> subprocess.CompletedProcess[str]:
            cmd, listing = job
            if warm is not None and job is jobs[0]:
                out, err = warm.communicate(listing, timeout=3600)
                return subprocess.CompletedProcess(cmd, warm.returncode, out, err)
            return subprocess.run(cmd, input=listing, capture_output=True, text=True, env=env, timeout=3600)

        try:
            with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
                results = list(pool.map(run, jobs))
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise EnvironmentProblem(f"compiling bytecode with {self.python} failed: {exc}") from None
        for proc in results:
            # compileall exits 1 when some file has a syntax error (templates, Python 2 leftovers): those
            # stay uncompiled, as they would fail to import anyway. Anything else is a broken interpreter.
            if proc.returncode not in (0, 1):
                last = (proc.stderr.strip() or proc.stdout.strip()).splitlines()[-1:] or ["no output"]
                raise EnvironmentProblem(
                    f"compiling bytecode with {self.python} failed ({last[0]}): "
                    "check that interpreter, or use --bytecode none"
                )


def _balanced(tree: Path, files: list[str], n: int) -> list[list[str]]:
    """`files` in `n` shares of about equal bytes (largest first, each to the lightest share so far)."""
    sizes = {}
    for rel in files:
        try:
            sizes[rel] = os.stat(tree / rel).st_size
        except OSError:
            sizes[rel] = 0
    shares: list[list[str]] = [[] for _ in range(n)]
    loads = [0] * n
    for rel in sorted(files, key=lambda f: (-sizes[f], f)):
        lightest = loads.index(min(loads))
        shares[lightest].append(rel)
        loads[lightest] += sizes[rel]
    return [share for share in shares if share]


def choose_compiler(offered: Compiler | None, python: Path | None, version: str | None = None) -> Compiler | None:
    """The installer's compiler when it offers one, else this machine's `python` (its `version`, when
    known), else None."""
    if offered is not None:
        return offered
    return LocalCompiler(python, version) if python else None
