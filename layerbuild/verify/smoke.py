"""Run the import smoke test: each top-level module of the layer in a fresh, isolated interpreter."""

from __future__ import annotations

import ast
import os
import platform
import subprocess
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from layerbuild.model.removals import Removal
from layerbuild.model.target import Target
from layerbuild.tree.distributions import Distribution
from layerbuild.verify.covering import covered_checks
from layerbuild.verify.judge import LayerFacts, culprits, judge
from layerbuild.verify.results import ImportCheck, SmokeResult

if TYPE_CHECKING:
    from layerbuild.verify.import_cache import ImportReuse

IMPORT_TIMEOUT = 120.0  # seconds per module; a module that hangs at import hangs a cold start too
_MARK = "@@layerbuild-smoke@@"
# Runs in the target's interpreter: argv = [module, first (comma-separated), covers (comma-separated),
# path, path...]; prints one line after _MARK, the result's repr (read with ast.literal_eval). It imports
# nothing the interpreter has not loaded at start (json and traceback were 25 ms of every child),
# traceback only for a failure.
# A passing import also reports what it read of the layer (verify/import_cache.py): every file opened or
# mapped under the paths, the top-level names no finder found, and whether code other than the import
# system listed a path's folder (importlib.metadata scanning every distribution, say); and which of the
# `covers` modules it imported whole.
_CHILD = f"""
import sys, importlib, os
module, first, covers, paths = sys.argv[1], [n for n in sys.argv[2].split(",") if n], sys.argv[3], sys.argv[4:]
sys.path[:] = paths + [p for p in sys.path if p and p not in paths]
roots = tuple(os.path.join(p, "") for p in paths)
seen, missing, listed = set(), set(), []
def _audit(event, args):
    if event == "open" and isinstance(args[0], str) and args[0].startswith(roots):
        seen.add(args[0])
    elif event in ("os.listdir", "os.scandir") and isinstance(args[0], str) and os.path.join(args[0], "") in roots:
        if "importlib._bootstrap" not in sys._getframe(1).f_code.co_filename:
            listed.append(args[0])
class _Missing:
    @classmethod
    def find_spec(cls, name, path=None, target=None):
        missing.add(name.partition(".")[0])
sys.addaudithook(_audit)
sys.meta_path.append(_Missing)
result = {{"ok": True}}
try:
    for name in first:  # modules the user's code imports before this one (see the module docstring)
        importlib.import_module(name)
    importlib.import_module(module)
    for loaded in list(sys.modules.values()):
        path = getattr(loaded, "__file__", None)
        if isinstance(path, str) and path.startswith(roots):
            seen.add(path)
    try:
        with open("/proc/self/maps") as maps:
            seen.update(p for p in (line.split(None, 5)[-1].strip() for line in maps) if p.startswith(roots))
    except OSError:
        listed.append("(no /proc/self/maps)")  # what the dynamic linker loaded is unknown: never reused
    result["seen"] = {{"files": sorted(seen), "missing": sorted(missing), "listed": bool(listed)}}
    also = []  # modules of the layer among `covers` this import loaded whole (verify/covering.py)
    for name in (n for n in covers.split(",") if n):
        spec = getattr(sys.modules.get(name), "__spec__", None)
        where = [getattr(spec, "origin", None) or "", *(getattr(spec, "submodule_search_locations", None) or ())]
        if spec is not None and spec.name == name and any(str(w).startswith(roots) for w in where):
            also.append(name)
    result["also"] = also
except BaseException as exc:
    import traceback
    frames = traceback.extract_tb(exc.__traceback__)
    result = {{"ok": False, "type": type(exc).__name__, "message": str(exc)[:2000],
              "name": getattr(exc, "name", None) if isinstance(exc, ImportError) else None,
              "path": getattr(exc, "path", None) if isinstance(exc, ImportError) else None,
              "filename": getattr(exc, "filename", None) if isinstance(exc, OSError) else None,
              "frames": [f.filename for f in frames][-40:],
              "text": "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))[-6000:]}}
print({_MARK!r} + repr(result), flush=True)
"""


def modules_to_import(tree: Path, dists: list[Distribution]) -> list[tuple[str, str]]:
    """(module, distribution) for every top-level module; a namespace package is replaced by the
    packages under it that the distribution ships (`google` -> `google.protobuf`)."""
    found: list[tuple[str, str]] = []
    for dist in dists:
        for top in dist.top_level:
            folder = tree / top
            if folder.is_dir() and not (folder / "__init__.py").exists() and not (folder / "__init__.pyc").exists():
                subs = sorted(
                    {
                        f.split("/")[1]
                        for f in dist.files
                        if f.startswith(f"{top}/") and f.count("/") >= 2 and f.split("/")[1].isidentifier()
                    }
                )
                found += [(f"{top}.{s}", dist.name) for s in subs if (folder / s).is_dir()] or [(top, dist.name)]
            else:
                found.append((top, dist.name))
    return found


def is_skipped(module: str, skip: tuple[str, ...] | list[str]) -> bool:
    """`--skip-import psycopg_binary` skips that module; `--skip-import google` also google.protobuf."""
    return any(module == s or module.startswith(s + ".") for s in skip)


MAX_FIRST_TRIES = 4  # modules tried before a failing one; each is one more interpreter start


def smoke_test(
    tree: Path,
    dists: list[Distribution],
    target: Target,
    removals: tuple[Removal, ...],
    *,
    python: Path | None,
    python_version: str | None = None,
    runtime_dir: Path | None = None,
    runtime_dists: tuple[Distribution, ...] = (),
    jobs: int | None = None,
    skip: tuple[str, ...] = (),
    reuse: ImportReuse | None = None,
) -> SmokeResult:
    """Import every top-level module of the layer in `tree` (whose distributions are `dists`) with
    `python` (of version `python_version`, when known); `runtime_dists` are the runtime-provided
    distributions set aside in `runtime_dir`; a module `reuse` knows passed on the same inputs is not
    imported again (verify/import_cache.py). See verify/imports.py."""
    if python is None:
        return SmokeResult(None, skipped=f"no Python {target.python_version} interpreter here")
    host = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}.get(platform.machine().lower())
    if host != target.arch:
        return SmokeResult(None, skipped=f"the layer is for {target.arch} and this machine is {platform.machine()}")
    from layerbuild.util.interpreters import interpreter_version

    every = modules_to_import(tree, dists)
    modules = [(m, d) for m, d in every if not is_skipped(m, skip)]
    skipped_modules = tuple(m for m, _ in every if is_skipped(m, skip))
    paths = [str(tree.resolve())] + ([str(runtime_dir.resolve())] if runtime_dir and runtime_dir.is_dir() else [])
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "HOME": os.environ.get("HOME", "/tmp")}
    # One thread for the BLAS libraries numpy and scipy load: OpenBLAS starts a thread per core at import,
    # which changes nothing the check judges and took 0.12-0.16 s of CPU from each child that imports numpy.
    env.update(dict.fromkeys(("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"), "1"))
    with tempfile.TemporaryDirectory(prefix="layerbuild-smoke-") as cwd:

        def run(module: str, first: tuple[str, ...] = (), covers: tuple[str, ...] = ()) -> dict[str, Any]:
            try:
                proc = subprocess.run(
                    [str(python), "-I", "-S", "-B", "-c", _CHILD, module, ",".join(first), ",".join(covers), *paths],
                    capture_output=True,
                    text=True,
                    env=env,
                    cwd=cwd,
                    timeout=IMPORT_TIMEOUT,
                )
            except subprocess.TimeoutExpired:
                return {"ok": False, "type": "Timeout", "message": f"import did not finish in {IMPORT_TIMEOUT:.0f} s"}
            out = proc.stdout.rpartition(_MARK)[2].strip()
            if out:
                try:
                    found = ast.literal_eval(out.splitlines()[0])
                except (ValueError, SyntaxError, MemoryError, RecursionError):
                    found = None
                if isinstance(found, dict):
                    return found
            tail = (proc.stderr.strip().splitlines() or [f"exit code {proc.returncode}"])[-1]
            return {
                "ok": False,
                "type": "Crash",
                "message": f"the interpreter died: {tail}",
                "text": proc.stderr[-6000:],
            }

        reused: set[tuple[str, str]] = set()

        def check(item: tuple[str, str], covers: tuple[str, ...]) -> dict[str, Any]:
            if reuse is not None and reuse.passed(*item):  # waits only for the hashes this key needs
                reused.add(item)
                return {"ok": True}
            return run(item[0], covers=covers)

        # Longest first, so that no core waits at the end for one slow import (pandas alone is half the
        # check of numpy+pandas+pydantic+requests): the modules of a distribution and of what it requires
        # in the layer stand for its import time. A module another check imported whole passes with it
        # (covering.py).
        layer = LayerFacts(tree, runtime_dists, dists, target)
        todo = sorted(modules, key=lambda x: -_weight(x[1], layer))
        workers = jobs or os.cpu_count() or 2
        ran, covered = covered_checks(todo, check, lambda d: _closure(d, layer), workers)
        with ThreadPoolExecutor(max_workers=workers) as pool:
            raw = [(m, d, ran[(m, d)]) for m, d in modules]
            if reuse is not None:
                for m, d, r in raw:
                    if r.get("ok") and "seen" in r:
                        reuse.remember(m, d, r["seen"])
            retry = [
                (m, d, layer.load_through(m, d, r))
                for m, d, r in raw
                if not r.get("ok") and not culprits(r, removals, layer.root)
            ]
            retried = dict(
                zip([m for m, _, _ in retry], pool.map(lambda item: _first_that_works(run, item[0], item[2]), retry))
            )
    checks = []
    for module, dist, result in raw:
        via = retried.get(module)
        if via:
            checks.append(ImportCheck(module, dist, True, via=via))
        else:
            checks.append(judge(module, dist, result, removals, layer))
    version = python_version or interpreter_version(python)
    return SmokeResult(
        version,
        tuple(checks),
        skipped_modules=skipped_modules,
        reused_modules=tuple(sorted(m for m, _ in reused)),
        covered_modules=tuple(sorted((m, by) for (m, _), (by, _) in covered.items())),
    )


def _closure(name: str, layer: LayerFacts) -> set[str]:
    """Distribution `name` and every distribution of the layer it requires on the target
    (LayerFacts.required: not an extra's requirement), directly or not."""
    seen, todo = set(), [name]
    while todo:
        found = todo.pop()
        if found in layer.dists and found not in seen:
            seen.add(found)
            todo += layer.required(found)
    return seen


def _weight(name: str, layer: LayerFacts) -> int:
    """Modules (.py, .so) of distribution `name` and of what it requires in the layer (_closure)."""
    return sum(1 for n in _closure(name, layer) for f in layer.dists[n].files if f.endswith((".py", ".so")))


def _first_that_works(run: Callable[..., dict[str, Any]], module: str, candidates: list[str]) -> str | None:
    for first in candidates[:MAX_FIRST_TRIES]:
        if run(module, (first,)).get("ok"):
            return first
    return None
