"""The import smoke test: does every top-level module of the layer still import after slimming?

Each module is imported in a fresh interpreter of the target's minor version, isolated from this
machine's packages (`-I -S`: no site-packages, no PYTHON* variables, no .pth processing, as on
Lambda, where the layer reaches Python through PYTHONPATH, not as a site folder) and writing no
bytecode (`-B`). `sys.path` is the layer tree, then the runtime-provided packages the build removed
(boto3 and friends, which Lambda puts after the layers), then the standard library.

A failure is matched against the build's removals: the missing module (`ModuleNotFoundError.name`),
the missing file (`OSError.filename`) or any removed path in the traceback names the rule that removed
what the module needed. A `ModuleNotFoundError` for a module that no distribution in the layer
provides and that the importing distribution does not require is an optional dependency (pandas
tries matplotlib, requests tries chardet): the layer is as its authors intended, so it is reported
as a warning, not a failure.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.parser import HeaderParser
from pathlib import Path

from .distributions import Distribution, distributions_in_dir
from .errors import FindingsError
from .removal import Removal
from .resolve import normalize
from .runtime_packages import RUNTIME_PROVIDED
from .slim import module_of
from .targets import Target

IMPORT_TIMEOUT = 120.0  # seconds per module; a module that hangs at import hangs a cold start too
_MARK = "@@layerbuild-smoke@@"
# Runs in the target's interpreter: argv = [module, path, path...]; prints one JSON line after _MARK.
_CHILD = f"""
import sys, json, traceback, importlib
module, paths = sys.argv[1], sys.argv[2:]
sys.path[:] = paths + [p for p in sys.path if p and p not in paths]
result = {{"ok": True}}
try:
    importlib.import_module(module)
except BaseException as exc:
    frames = traceback.extract_tb(exc.__traceback__)
    result = {{"ok": False, "type": type(exc).__name__, "message": str(exc)[:2000],
              "name": getattr(exc, "name", None) if isinstance(exc, ImportError) else None,
              "path": getattr(exc, "path", None) if isinstance(exc, ImportError) else None,
              "filename": getattr(exc, "filename", None) if isinstance(exc, OSError) else None,
              "frames": [f.filename for f in frames][-40:],
              "text": "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))[-6000:]}}
print({_MARK!r} + json.dumps(result), flush=True)
"""


@dataclass(frozen=True)
class ImportCheck:
    module: str
    distribution: str
    ok: bool
    error: str | None = None  # the exception's last line
    rules: tuple[str, ...] = ()  # rules that removed a file the module needed
    removed_paths: tuple[str, ...] = ()  # those files (a few)
    optional: str | None = None  # the optional dependency it lacks (a warning, not a failure)


@dataclass(frozen=True)
class SmokeResult:
    python: str | None
    checks: tuple[ImportCheck, ...] = ()
    skipped: str | None = None  # why the test did not run

    @property
    def failures(self) -> tuple[ImportCheck, ...]:
        return tuple(c for c in self.checks if not c.ok and not c.optional)

    @property
    def warnings(self) -> tuple[ImportCheck, ...]:
        return tuple(c for c in self.checks if not c.ok and c.optional)

    def as_meta(self) -> dict:
        return {"python": self.python, "skipped": self.skipped, "modules": len(self.checks),
                "failures": [_describe(c) for c in self.failures],
                "warnings": [_describe(c) for c in self.warnings]}


def modules_to_import(tree: Path, dists: list[Distribution]) -> list[tuple[str, str]]:
    """(module, distribution) for every top-level module; a namespace package is replaced by the
    packages under it that the distribution ships (`google` -> `google.protobuf`)."""
    found: list[tuple[str, str]] = []
    for dist in dists:
        for top in dist.top_level:
            folder = tree / top
            if folder.is_dir() and not (folder / "__init__.py").exists() and not (folder / "__init__.pyc").exists():
                subs = sorted({f.split("/")[1] for f in dist.files
                               if f.startswith(f"{top}/") and f.count("/") >= 2 and f.split("/")[1].isidentifier()})
                found += [(f"{top}.{s}", dist.name) for s in subs if (folder / s).is_dir()] or [(top, dist.name)]
            else:
                found.append((top, dist.name))
    return found


def set_aside(tree: Path, dists: list[Distribution], dest: Path) -> None:
    """Copy the files of `dists` (runtime-provided packages about to be removed) to `dest`."""
    for dist in dists:
        for rel in (*dist.files, f"{dist.dist_info}/METADATA"):
            src = tree / rel
            if rel.startswith("../") or not src.is_file():
                continue
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)


def smoke_test(tree: Path, target: Target, removals: tuple[Removal, ...], *, python: Path | None,
               runtime_dir: Path | None = None, jobs: int | None = None) -> SmokeResult:
    """Import every top-level module of the layer in `tree`; see the module docstring."""
    if python is None:
        return SmokeResult(None, skipped=f"no Python {target.python_version} interpreter here")
    host = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}.get(platform.machine().lower())
    if host != target.arch:
        return SmokeResult(None, skipped=f"the layer is for {target.arch} and this machine is {platform.machine()}")
    from .interpreters import interpreter_version

    dists = distributions_in_dir(tree)
    modules = modules_to_import(tree, dists)
    paths = [str(tree.resolve())] + ([str(runtime_dir.resolve())] if runtime_dir and runtime_dir.is_dir() else [])
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "HOME": os.environ.get("HOME", "/tmp")}
    with tempfile.TemporaryDirectory(prefix="layerbuild-smoke-") as cwd:
        def run(item: tuple[str, str]) -> tuple[str, str, dict]:
            module, dist = item
            try:
                proc = subprocess.run([str(python), "-I", "-S", "-B", "-c", _CHILD, module, *paths],
                                      capture_output=True, text=True, env=env, cwd=cwd, timeout=IMPORT_TIMEOUT)
            except subprocess.TimeoutExpired:
                return module, dist, {"ok": False, "type": "Timeout",
                                      "message": f"import did not finish in {IMPORT_TIMEOUT:.0f} s"}
            out = proc.stdout.rpartition(_MARK)[2].strip()
            if out:
                try:
                    return module, dist, json.loads(out.splitlines()[0])
                except json.JSONDecodeError:
                    pass
            tail = (proc.stderr.strip().splitlines() or [f"exit code {proc.returncode}"])[-1]
            return module, dist, {"ok": False, "type": "Crash", "message": f"the interpreter died: {tail}",
                                  "text": proc.stderr[-6000:]}

        with ThreadPoolExecutor(max_workers=jobs or os.cpu_count() or 2) as pool:
            raw = list(pool.map(run, modules))
    provided = _provided_top_levels(tree, runtime_dir, dists)
    requires = {d.name: _required_names(tree, d, target) for d in dists}
    root = str(tree.resolve()) + "/"
    checks = tuple(_judge(m, d, r, removals, provided, requires.get(d, set()), root) for m, d, r in raw)
    return SmokeResult(interpreter_version(python), checks)


def _judge(module: str, dist: str, raw: dict, removals: tuple[Removal, ...], provided: set[str],
           required: set[str], root: str) -> ImportCheck:
    if raw.get("ok"):
        return ImportCheck(module, dist, True)
    message = str(raw.get("message", "")).replace(root, "")  # paths relative to the layer's python/
    error = f"{raw.get('type')}: {message}".strip().splitlines()[0][:300]
    culprits = _culprits(raw, removals, root)
    if culprits:
        return ImportCheck(module, dist, False, error, tuple(sorted({r.rule for r in culprits})),
                           tuple(sorted({r.path for r in culprits}))[:5])
    missing = raw.get("name") if raw.get("type") == "ModuleNotFoundError" else None
    top = (missing or "").split(".")[0]
    # An optional dependency: nothing in the layer (or the runtime) provides it and the distribution
    # does not require it, so its authors import it inside try/except elsewhere or on some code path
    # the layer's user opted out of. Failing the build for it would fail correct layers.
    if top and top not in provided and normalize(top) not in required:
        return ImportCheck(module, dist, False, error, optional=missing)
    return ImportCheck(module, dist, False, error)


_CANNOT_IMPORT = re.compile(r"cannot import name '(\w+)' from (?:partially initialized module )?'([\w.]+)'")


def _culprits(raw: dict, removals: tuple[Removal, ...], root: str) -> list[Removal]:
    missing = raw.get("name") if raw.get("type") == "ModuleNotFoundError" else None
    if missing is None and raw.get("type") == "ImportError":
        # `from pkg import helper` with pkg/helper.py gone: "cannot import name 'helper' from 'pkg'".
        m = _CANNOT_IMPORT.search(raw.get("message", ""))
        missing = f"{m.group(2)}.{m.group(1)}" if m else None
    files = [f for f in (raw.get("filename"), raw.get("path")) if isinstance(f, str)]
    rels = [f[len(root):] if f.startswith(root) else f for f in files]
    text = raw.get("text", "") + raw.get("message", "")
    found = []
    for r in removals:
        if missing:
            mod = module_of(r.path)
            if mod and (mod == missing or missing.startswith(mod + ".") or mod.startswith(missing + ".")):
                found.append(r)
                continue
        if any(rel == r.path or r.path.startswith(rel.rstrip("/") + "/") for rel in rels if rel):
            found.append(r)
            continue
        if r.path in text:
            found.append(r)
    return found


def _provided_top_levels(tree: Path, runtime_dir: Path | None, dists: list[Distribution]) -> set[str]:
    names = {t for d in dists for t in d.top_level}
    if runtime_dir and runtime_dir.is_dir():
        names |= {t for d in distributions_in_dir(runtime_dir) for t in d.top_level}
    # The runtime provides these whether or not the layer dropped them (runtime_packages.py).
    return names | set(RUNTIME_PROVIDED)


def _required_names(tree: Path, dist: Distribution, target: Target) -> set[str]:
    """Normalized names of what `dist` requires unconditionally on the target (extras excluded)."""
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        text = (tree / dist.dist_info / "METADATA").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return set()
    env = {"python_version": target.python_version, "python_full_version": target.python_version + ".0",
           "sys_platform": "linux", "platform_system": "Linux", "os_name": "posix",
           "platform_machine": "aarch64" if target.arch == "arm64" else "x86_64",
           "implementation_name": "cpython", "platform_python_implementation": "CPython", "extra": ""}
    names = set()
    for line in HeaderParser().parsestr(text, headersonly=True).get_all("Requires-Dist") or []:
        try:
            req = Requirement(line)
        except InvalidRequirement:
            continue
        if req.marker is None or req.marker.evaluate(env):
            names.add(normalize(req.name))
    return names


def _describe(check: ImportCheck) -> str:
    if check.optional:
        return f"{check.module} ({check.distribution}) needs the optional {check.optional}, not in the layer"
    if check.rules:
        files = ", ".join(check.removed_paths)
        return (f"{check.module} ({check.distribution}) fails: {check.error}; removed by "
                f"{' and '.join(repr(r) for r in check.rules)} ({files})")
    return f"{check.module} ({check.distribution}) fails: {check.error} (not caused by a removal)"


def raise_on_failures(result: SmokeResult) -> None:
    """FindingsError (exit 1) naming each failing module and the rule to blame."""
    if not result.failures:
        return
    blamed = [c for c in result.failures if c.rules]
    hint = ("; keep the file with --keep PKG:GLOB or remove the --drop, or skip this check with --no-verify"
            if blamed else "; skip this check with --no-verify")
    details = "; ".join(_describe(c) for c in result.failures[:5])
    more = f" (+{len(result.failures) - 5} more)" if len(result.failures) > 5 else ""
    raise FindingsError(f"import smoke test failed for {len(result.failures)} module(s): {details}{more}{hint}")


def verify_imports(tree: Path, target: Target, removed: tuple[Removal, ...], verify: bool,
                   runtime_dir: Path | None = None) -> SmokeResult:
    """The build's verify stage: run the smoke test when asked and possible; FindingsError on failure."""
    from .interpreters import find_interpreter
    from .progress import note, step, warn

    if not verify:
        return SmokeResult(None, skipped="--no-verify")
    python = find_interpreter(target.python_version)
    if python is None:
        result = smoke_test(tree, target, removed, python=None)
    else:
        with step("Checking that every top-level module imports"):
            result = smoke_test(tree, target, removed, python=python, runtime_dir=runtime_dir)
    if result.skipped:
        note(f"layerbuild: import smoke test skipped: {result.skipped}")
    for check in result.warnings:
        warn(_describe(check))
    raise_on_failures(result)
    return result
