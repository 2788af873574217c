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

Two kinds of failure are not what a user's handler would meet, and are judged again:
- A module only meant to load through another package (`psycopg_binary` raises "the psycopg package
  should be imported before psycopg_binary"): a failing module is imported once more after each
  top-level module of the layer its error message names, then after the modules of each distribution
  that requires its own distribution (psycopg declares psycopg-binary under its `binary` extra). If it
  imports then, it is fine: that is how Lambda code reaches it. `--skip-import MODULE` leaves out a
  module the user knows is never imported on its own.
- A version clash (ionhash cannot import `_IonNature` from amazon-ion 0.15.0): the file that ran the
  failing import and the module it imported from belong to two distributions of the layer. The
  message names both with their versions and suggests a constraint below the installed version of
  the one that no longer has the name.
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

from packaging.utils import canonicalize_name

from layerbuild.errors import FindingsError
from layerbuild.facts.runtime_packages import RUNTIME_PROVIDED
from layerbuild.model.removals import Removal
from layerbuild.model.target import Target
from layerbuild.slim.rules import module_of
from layerbuild.tree.distributions import Distribution, distributions_in_dir

IMPORT_TIMEOUT = 120.0  # seconds per module; a module that hangs at import hangs a cold start too
_MARK = "@@layerbuild-smoke@@"
# Runs in the target's interpreter: argv = [module, path, path...]; prints one JSON line after _MARK.
_CHILD = f"""
import sys, json, traceback, importlib
module, first, paths = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3:]
sys.path[:] = paths + [p for p in sys.path if p and p not in paths]
result = {{"ok": True}}
try:
    for name in first:  # modules the user's code imports before this one (see the module docstring)
        importlib.import_module(name)
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
    via: str | None = None  # imports once this module is imported first, as it is meant to
    clash: Clash | None = None  # two distributions of the layer that do not fit together


@dataclass(frozen=True)
class Clash:
    """The importing distribution cannot use what another distribution of the layer now provides."""

    importer: str  # distribution (normalized) whose file ran the failing import
    importer_version: str
    provider: str  # distribution owning the module it imported from
    provider_version: str
    module: str  # the module imported from (amazon.ion.simple_types)
    name: str | None  # the name it lacks (_IonNature), None when a whole submodule is missing
    declared: str | None = None  # what the importer's metadata requires of the provider, if anything

    @property
    def constraint(self) -> str:
        # The installed version lacks the name; the versions before it are those the importer was
        # written against (a resolver installs the newest version the requirements allow).
        return f"{self.provider}<{self.provider_version}"

    def describe(self) -> str:
        what = f"{self.name!r} from {self.module}" if self.name else self.module
        declared = f" (it declares {self.declared})" if self.declared else ""
        return (
            f"version clash: {self.importer} {self.importer_version} cannot import {what} of "
            f"{self.provider} {self.provider_version}: pin {self.provider} to a version {self.importer} "
            f"supports{declared}: try `{self.constraint}` in the requirements (if an older {self.provider} "
            f"lacks it too, this check names that version next), or a newer {self.importer}"
        )


@dataclass(frozen=True)
class SmokeResult:
    python: str | None
    checks: tuple[ImportCheck, ...] = ()
    skipped: str | None = None  # why the test did not run
    skipped_modules: tuple[str, ...] = ()  # left out with --skip-import

    @property
    def failures(self) -> tuple[ImportCheck, ...]:
        return tuple(c for c in self.checks if not c.ok and not c.optional)

    @property
    def warnings(self) -> tuple[ImportCheck, ...]:
        return tuple(c for c in self.checks if not c.ok and c.optional)

    def as_meta(self) -> dict:
        meta = {
            "python": self.python,
            "skipped": self.skipped,
            "modules": len(self.checks),
            "failures": [_describe(c) for c in self.failures],
            "warnings": [_describe(c) for c in self.warnings],
        }
        after = {c.module: c.via for c in self.checks if c.via}
        if after:  # module -> the module imported before it (it loads only through that one)
            meta["imported_after"] = after
        if self.skipped_modules:  # left out with --skip-import
            meta["skipped_modules"] = list(self.skipped_modules)
        return meta


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


def set_aside(tree: Path, dists: list[Distribution], dest: Path) -> None:
    """Copy the files of `dists` (runtime-provided packages about to be removed) to `dest`."""
    for dist in dists:
        for rel in (*dist.files, f"{dist.dist_info}/METADATA"):
            src = tree / rel
            if rel.startswith("../") or not src.is_file():
                continue
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)


MAX_FIRST_TRIES = 4  # modules tried before a failing one; each is one more interpreter start


def smoke_test(
    tree: Path,
    target: Target,
    removals: tuple[Removal, ...],
    *,
    python: Path | None,
    runtime_dir: Path | None = None,
    jobs: int | None = None,
    skip: tuple[str, ...] = (),
) -> SmokeResult:
    """Import every top-level module of the layer in `tree`; see the module docstring."""
    if python is None:
        return SmokeResult(None, skipped=f"no Python {target.python_version} interpreter here")
    host = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}.get(platform.machine().lower())
    if host != target.arch:
        return SmokeResult(None, skipped=f"the layer is for {target.arch} and this machine is {platform.machine()}")
    from layerbuild.util.interpreters import interpreter_version

    dists = distributions_in_dir(tree)
    every = modules_to_import(tree, dists)
    modules = [(m, d) for m, d in every if not is_skipped(m, skip)]
    skipped_modules = tuple(m for m, _ in every if is_skipped(m, skip))
    paths = [str(tree.resolve())] + ([str(runtime_dir.resolve())] if runtime_dir and runtime_dir.is_dir() else [])
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "HOME": os.environ.get("HOME", "/tmp")}
    with tempfile.TemporaryDirectory(prefix="layerbuild-smoke-") as cwd:

        def run(module: str, first: tuple[str, ...] = ()) -> dict:
            try:
                proc = subprocess.run(
                    [str(python), "-I", "-S", "-B", "-c", _CHILD, module, json.dumps(first), *paths],
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
                    return json.loads(out.splitlines()[0])
                except json.JSONDecodeError:
                    pass
            tail = (proc.stderr.strip().splitlines() or [f"exit code {proc.returncode}"])[-1]
            return {
                "ok": False,
                "type": "Crash",
                "message": f"the interpreter died: {tail}",
                "text": proc.stderr[-6000:],
            }

        with ThreadPoolExecutor(max_workers=jobs or os.cpu_count() or 2) as pool:
            raw = list(pool.map(lambda item: (item[0], item[1], run(item[0])), modules))
            layer = _Layer(tree, runtime_dir, dists, target)
            retry = [
                (m, d, layer.load_through(m, d, r))
                for m, d, r in raw
                if not r.get("ok") and not _culprits(r, removals, layer.root)
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
            checks.append(_judge(module, dist, result, removals, layer))
    return SmokeResult(interpreter_version(python), tuple(checks), skipped_modules=skipped_modules)


def _first_that_works(run, module: str, candidates: list[str]) -> str | None:
    for first in candidates[:MAX_FIRST_TRIES]:
        if run(module, (first,)).get("ok"):
            return first
    return None


class _Layer:
    """What the judgement needs to know about the layer: its distributions, who owns which file."""

    def __init__(self, tree: Path, runtime_dir: Path | None, dists: list[Distribution], target: Target) -> None:
        from layerbuild.tree.distributions import owner_lookup

        self.tree = tree
        self.root = str(tree.resolve()) + "/"
        self.dists = {d.name: d for d in dists}
        self.owner_of = owner_lookup(dists)
        self.provided = _provided_top_levels(tree, runtime_dir, dists)
        self.top_owner = {t: d.name for d in dists for t in d.top_level}
        self._requires = {d.name: _requirements(tree, d, target) for d in dists}

    def required(self, dist: str) -> set[str]:
        """What `dist` requires unconditionally on the target (normalized names)."""
        return {canonicalize_name(r.name) for r, unconditional in self._requires.get(dist, ()) if unconditional}

    def requirement_on(self, dist: str, other: str) -> str | None:
        return next((str(r) for r, _ in self._requires.get(dist, ()) if canonicalize_name(r.name) == other), None)

    def load_through(self, module: str, dist: str, raw: dict) -> list[str]:
        """Modules to import before `module`, most likely first: top-level modules of the layer its
        error message names, then those of the distributions that require `dist` (in any extra)."""
        own = module.split(".")[0]
        text = str(raw.get("message", ""))
        named = [
            t for t in sorted(self.top_owner) if t != own and re.search(rf"(?<![\w.]){re.escape(t)}(?![\w])", text)
        ]
        dependents = [
            t
            for d, reqs in sorted(self._requires.items())
            if d != dist and any(canonicalize_name(r.name) == dist for r, _ in reqs)
            for t in self.dists[d].top_level
        ]
        out: list[str] = []
        for t in named + dependents:
            if t != own and t not in out:
                out.append(t)
        return out

    def file_of(self, module: str, path: str | None = None) -> str | None:
        """The layer-relative file of `module`, or of its nearest parent that is a module or a regular
        package (a namespace folder may be shared by several distributions, so it names no owner)."""
        if path and path.startswith(self.root):
            return path[len(self.root) :]
        parts = module.split(".")
        while parts:
            base = "/".join(parts)
            for rel in (f"{base}/__init__.py", f"{base}/__init__.pyc", f"{base}.py", f"{base}.pyc"):
                if (self.tree / rel).is_file():
                    return rel
            ext = sorted((self.tree / base).parent.glob(f"{parts[-1]}.*so"))
            if ext:
                return ext[0].relative_to(self.tree).as_posix()
            parts.pop()
        return None

    def clash(self, raw: dict) -> Clash | None:
        """The two distributions of a version clash behind `raw`, or None."""
        kind = raw.get("type")
        message = str(raw.get("message", ""))
        name = None
        if kind == "ImportError":
            m = _CANNOT_IMPORT.search(message)
            if not m:
                return None
            name, module = m.group(1), m.group(2)
        elif kind == "ModuleNotFoundError" and "." in str(raw.get("name") or ""):
            module = str(raw["name"])
        elif kind == "AttributeError":
            m = _NO_ATTRIBUTE.search(message)
            if not m:
                return None
            module, name = m.group(1), m.group(2)
        else:
            return None
        if module.split(".")[0] not in self.top_owner:
            return None
        importer_file = next(
            (
                f[len(self.root) :]
                for f in reversed(raw.get("frames") or [])
                if isinstance(f, str) and f.startswith(self.root)
            ),
            None,
        )
        provider_file = self.file_of(module, raw.get("path") if kind == "ImportError" else None)
        if importer_file is None or provider_file is None:
            return None
        importer, provider = self.owner_of(importer_file), self.owner_of(provider_file)
        if not importer or not provider or importer == provider:
            return None
        return Clash(
            importer,
            self.dists[importer].version if importer in self.dists else "?",
            provider,
            self.dists[provider].version if provider in self.dists else "?",
            module,
            name,
            self.requirement_on(importer, provider),
        )


def _judge(module: str, dist: str, raw: dict, removals: tuple[Removal, ...], layer: _Layer) -> ImportCheck:
    if raw.get("ok"):
        return ImportCheck(module, dist, True)
    root = layer.root
    message = str(raw.get("message", "")).replace(root, "")  # paths relative to the layer's python/
    error = f"{raw.get('type')}: {message}".strip().splitlines()[0][:300]
    culprits = _culprits(raw, removals, root)
    if culprits:
        return ImportCheck(
            module,
            dist,
            False,
            error,
            tuple(sorted({r.rule for r in culprits})),
            tuple(sorted({r.path for r in culprits}))[:5],
        )
    clash = layer.clash(raw)
    if clash is not None:
        return ImportCheck(module, dist, False, error, clash=clash)
    missing = raw.get("name") if raw.get("type") == "ModuleNotFoundError" else None
    top = (missing or "").split(".")[0]
    # An optional dependency: nothing in the layer (or the runtime) provides it and the distribution
    # does not require it, so its authors import it inside try/except elsewhere or on some code path
    # the layer's user opted out of. Failing the build for it would fail correct layers.
    if top and top not in layer.provided and canonicalize_name(top) not in layer.required(dist):
        return ImportCheck(module, dist, False, error, optional=missing)
    return ImportCheck(module, dist, False, error)


_CANNOT_IMPORT = re.compile(r"cannot import name '(\w+)' from (?:partially initialized module )?'([\w.]+)'")
_NO_ATTRIBUTE = re.compile(r"(?:partially initialized )?module '([\w.]+)' has no attribute '(\w+)'")


def _culprits(raw: dict, removals: tuple[Removal, ...], root: str) -> list[Removal]:
    missing = raw.get("name") if raw.get("type") == "ModuleNotFoundError" else None
    if missing is None and raw.get("type") == "ImportError":
        # `from pkg import helper` with pkg/helper.py gone: "cannot import name 'helper' from 'pkg'".
        m = _CANNOT_IMPORT.search(raw.get("message", ""))
        missing = f"{m.group(2)}.{m.group(1)}" if m else None
    files = [f for f in (raw.get("filename"), raw.get("path")) if isinstance(f, str)]
    rels = [f[len(root) :] if f.startswith(root) else f for f in files]
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


def _requirements(tree: Path, dist: Distribution, target: Target) -> list[tuple[object, bool]]:
    """`dist`'s Requires-Dist, each with whether it applies unconditionally on the target (an extra's
    requirement does not: it is there only when someone asked for the extra)."""
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        text = (tree / dist.dist_info / "METADATA").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    env = {
        "python_version": target.python_version,
        "python_full_version": target.python_version + ".0",
        "sys_platform": "linux",
        "platform_system": "Linux",
        "os_name": "posix",
        "platform_machine": "aarch64" if target.arch == "arm64" else "x86_64",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "extra": "",
    }
    found = []
    for line in HeaderParser().parsestr(text, headersonly=True).get_all("Requires-Dist") or []:
        try:
            req = Requirement(line)
        except InvalidRequirement:
            continue
        try:
            unconditional = req.marker is None or req.marker.evaluate(env)
        except Exception:  # noqa: BLE001 - a marker naming a variable packaging does not know
            unconditional = False
        found.append((req, unconditional))
    return found


def _describe(check: ImportCheck) -> str:
    if check.optional:
        return f"{check.module} ({check.distribution}) needs the optional {check.optional}, not in the layer"
    if check.rules:
        files = ", ".join(check.removed_paths)
        return (
            f"{check.module} ({check.distribution}) fails: {check.error}; removed by "
            f"{' and '.join(repr(r) for r in check.rules)} ({files})"
        )
    if check.clash:
        return f"{check.module} ({check.distribution}) fails: {check.error}; {check.clash.describe()}"
    return f"{check.module} ({check.distribution}) fails: {check.error} (not caused by a removal)"


def raise_on_failures(result: SmokeResult) -> None:
    """FindingsError (exit 1) naming each failing module and what to do about it."""
    if not result.failures:
        return
    blamed = [c for c in result.failures if c.rules]
    own = [c for c in result.failures if not c.rules and not c.clash]
    if blamed:
        hint = "; keep the file with --keep PKG:GLOB or remove the --drop, or skip this check with --no-verify"
    elif own:
        names = " ".join(f"--skip-import {c.module}" for c in own[:3])
        hint = (
            f"; if your code never imports {'it' if len(own) == 1 else 'them'} on its own, leave "
            f"{'it' if len(own) == 1 else 'them'} out with {names} (--no-verify skips every check)"
        )
    else:
        hint = ""  # each clash names its constraint
    details = "; ".join(_describe(c) for c in result.failures[:5])
    more = f" (+{len(result.failures) - 5} more)" if len(result.failures) > 5 else ""
    raise FindingsError(f"import smoke test failed for {len(result.failures)} module(s): {details}{more}{hint}")


def verify_imports(
    tree: Path,
    target: Target,
    removed: tuple[Removal, ...],
    verify: bool,
    runtime_dir: Path | None = None,
    *,
    skip: tuple[str, ...] = (),
) -> SmokeResult:
    """The build's verify stage: run the smoke test when asked and possible; FindingsError on failure.

    `skip`: modules (and the modules under them) the user leaves out with --skip-import."""
    from layerbuild.util.interpreters import find_interpreter
    from layerbuild.util.progress import note, step, warn

    if not verify:
        return SmokeResult(None, skipped="--no-verify")
    python = find_interpreter(target.python_version)
    if python is None:
        result = smoke_test(tree, target, removed, python=None)
    else:
        with step("Checking that every top-level module imports"):
            result = smoke_test(tree, target, removed, python=python, runtime_dir=runtime_dir, skip=skip)
    if result.skipped:
        note(f"layerbuild: import smoke test skipped: {result.skipped}")
    elif skip:
        unused = [s for s in skip if not any(is_skipped(m, (s,)) for m in result.skipped_modules)]
        for name in unused:
            warn(
                f"--skip-import {name} matched no top-level module of the layer: check the module name "
                "(the name you import, e.g. psycopg_binary, not the package name)"
            )
    for check in result.checks:
        if check.via:
            note(
                f"layerbuild: {check.module} ({check.distribution}) imports only after {check.via}, "
                "as it is meant to: checked that way"
            )
    for check in result.warnings:
        warn(_describe(check))
    raise_on_failures(result)
    return result
