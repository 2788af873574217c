"""Ship `.pyc` compiled by the target's Python, so cold starts do not compile every import.

Lambda's `/opt` is read-only: without valid bytecode in the layer, each cold start compiles every
module it imports (lambda-facts.md: pandas+requests+pydantic import in 1.49 s without .pyc, 0.52 s
with). The .pyc use `unchecked-hash` invalidation, because the zip's normalised dates would make
timestamp-based ones stale, and they are written by an interpreter of the target's minor version
only: a .pyc of another version is dead weight the import system ignores.

Modes (`--bytecode`): `alongside` writes `__pycache__/*.cpython-XY.pyc` beside each `.py`; `only`
writes legacy `mod.pyc` where `mod.py` was and removes the source (smaller; tracebacks lose their
source lines and `inspect.getsource` fails); `none` writes nothing; `auto` is `alongside` when an
interpreter of the target's version is found, else `none` with a one-line notice.

The size budget (`auto` only). A `.pyc` is about 1.4 times its source, so compiling can push a layer
that fits Lambda's unzipped limit (`limits.py`, or the build's `--max-unzipped`) over it. `auto`
never does: when the layer fits without bytecode but not with all of it, it keeps `.pyc` for the
modules most likely imported at a cold start, until the budget is met, and leaves the rest without
(they compile at import, as with `none`). Order: modules reached from the layer's top-level modules
through their import statements (breadth first: `import pandas` loads these on every cold start),
then the others, smallest `.pyc` first. It never switches to `only` by itself: sourceless bytecode
changes what programs see (tracebacks without source lines, `inspect.getsource` raising), and a
size choice must not change behaviour; the notice says when `--bytecode only` would fit instead.
An explicit `alongside` or `only` is done as asked; the build's limit warning names an overflow.

The compiler seam. Compiling is behind a tiny protocol, so the build container can do it:

    class Compiler(Protocol):
        def version(self) -> str: ...                            # "3.11.7"
        def compile(self, tree: Path, sourceless: bool) -> None: ...

`LocalCompiler(python)` runs `python -m compileall` on this machine. `compiler_for(target,
installer)` picks one: an installer that owns a Python of the target's version (the Docker build
image, install/container.py) may offer `installer.compiler(target) -> Compiler | None`, which wins;
otherwise an interpreter of the target's minor version found by `interpreters.find_interpreter`
(PATH, pyenv, uv; `LAYERBUILD_PYTHON_SEARCH_PATH` restricts the search). A compiler must write
byte-identical output for the same tree (fixed PYTHONHASHSEED, `co_filename` under /opt/python,
never a path of the build machine) and must not touch files other than .py/.pyc.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from layerbuild.errors import EnvironmentProblem, InstallError
from layerbuild.model.removals import Removal, SlimResult
from layerbuild.model.target import Target
from layerbuild.tree.distributions import distributions_in_dir, owner_lookup
from layerbuild.tree.records import update_records
from layerbuild.util.interpreters import find_interpreter, interpreter_version
from layerbuild.util.progress import note, step

MODES = ("auto", "none", "alongside", "only")
# Where Lambda mounts a layer's python/ folder: the file name compiled into each code object, so
# tracebacks read like Lambda's and the bytes never depend on the build machine's folders.
LAMBDA_LAYER_PATH = "/opt/python"
SOURCELESS_RULE = "bytecode-only"
FOREIGN_RULE = "foreign-bytecode"
# What the notice quotes when no interpreter is found: lambda-facts.md, measured for
# pandas+requests+pydantic on python3.11 with PYTHONDONTWRITEBYTECODE=1.
COLD_START_COST = (
    "imports then compile on every cold start (measured: 1.49 s instead of 0.52 s for pandas+requests+pydantic)"
)


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

    def __init__(self, python: Path) -> None:
        self.python = Path(python)
        self._version: str | None = None

    def version(self) -> str:
        if self._version is None:
            self._version = interpreter_version(self.python)
        return self._version

    def compile(self, tree: Path, sourceless: bool, files: list[str] | None = None) -> None:
        """As Compiler.compile; `files` (relative to `tree`) limits it to those sources."""
        root = str(tree.resolve())
        args = [
            str(self.python),
            "-m",
            "compileall",
            "-q",
            "-j0",
            "--invalidation-mode",
            "unchecked-hash",
            "-s",
            root,
            "-p",
            LAMBDA_LAYER_PATH,
            "-x",
            r"[.]dist-info/",
        ]
        if sourceless:
            args.append("-b")
        # -j0: one worker per core. Output is the same whatever the worker count or order (checked by
        # tests/unit/test_bytecode.py); PYTHONHASHSEED=0 pins set/frozenset constant order anyway.
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
        env["PYTHONHASHSEED"] = "0"
        if files is None:
            jobs = [([*args, root], None)]
        else:
            # A file list is compiled serially by compileall: one process per core, each given its share
            # on stdin (no command-line length limit).
            n = max(1, min(os.cpu_count() or 1, len(files)))
            jobs = [([*args, "-i", "-"], "".join(f"{root}/{f}\n" for f in files[i::n])) for i in range(n)]
        from concurrent.futures import ThreadPoolExecutor

        def run(job: tuple[list[str], str | None]) -> subprocess.CompletedProcess:
            cmd, listing = job
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


def compiler_for(target: Target, installer: object | None = None) -> Compiler | None:
    """A compiler for the target's Python version, or None when this machine has none."""
    offer = getattr(installer, "compiler", None)
    if callable(offer):
        found = offer(target)
        if found is not None:
            return found
    python = find_interpreter(target.python_version)
    return LocalCompiler(python) if python else None


@dataclass(frozen=True)
class BytecodeResult:
    mode: str  # what the layer ships: none | alongside | only
    python: str | None  # the compiling interpreter's version
    requested: str
    compiled: int = 0  # .pyc written
    not_compiled: tuple[str, ...] = ()  # .py left without .pyc (syntax errors)
    removed: SlimResult = SlimResult()  # sources removed by `only`, foreign .pyc
    reason: str | None = None  # why `auto` shipped less bytecode than asked (the size budget)
    left_out: tuple[str, ...] = ()  # .py compiled but shipped without .pyc to stay within the budget
    budget_bytes: int | None = None  # the unzipped limit `auto` kept the layer within

    def detail(self) -> dict:
        """What the report's bytecode section says besides mode and python."""
        out: dict = {"pyc_files": self.compiled}
        if self.reason:
            out.update(
                {"reason": self.reason, "sources_without_pyc": len(self.left_out), "budget_bytes": self.budget_bytes}
            )
        return out


def resolve_mode(requested: str, target: Target, compiler: Compiler | None) -> str:
    """The mode a build will use: `auto` becomes alongside or none; an explicit mode needs a compiler."""
    if requested not in MODES:
        raise EnvironmentProblem(f"--bytecode {requested!r} is not one of {', '.join(MODES)}")
    if requested == "none":
        return "none"
    if compiler is None:
        if requested == "auto":
            return "none"
        raise EnvironmentProblem(
            f"--bytecode {requested} needs a Python {target.python_version} interpreter to compile with, and "
            f"none was found (PATH, pyenv, uv): install one (uv python install {target.python_version}), "
            "or use --bytecode auto"
        )
    return "alongside" if requested == "auto" else requested


def add_bytecode(
    tree: Path, target: Target, requested: str, compiler: Compiler | None, *, max_unzipped: int | None = None
) -> BytecodeResult:
    """Compile `tree` for `target` per `requested`; removes .pyc of other Python versions first.

    `max_unzipped`: the unzipped bytes the layer may have (default: Lambda's limit); `auto` keeps a
    layer that fits without bytecode within it (see the module docstring)."""
    from layerbuild.facts.limits import MAX_UNZIPPED_BYTES

    limit = MAX_UNZIPPED_BYTES if max_unzipped is None else max_unzipped
    mode = resolve_mode(requested, target, compiler)
    dists = distributions_in_dir(tree)
    owner_of = owner_lookup(dists)
    foreign = _remove_foreign_pyc(tree, target, owner_of)
    if mode == "none":
        if requested == "auto":
            note(
                f"layerbuild: no Python {target.python_version} interpreter found: the layer ships no .pyc, so "
                f"{COLD_START_COST}; install Python {target.python_version} to compile them"
            )
        _update(tree, dists, foreign, [])
        return BytecodeResult("none", None, requested, removed=SlimResult(tuple(foreign)))

    assert compiler is not None
    version = compiler.version()
    if ".".join(version.split(".")[:2]) != target.python_version:
        # Never ship a .pyc of another version: the runtime would ignore it (or, sourceless, fail).
        if requested == "auto":
            note(
                f"layerbuild: the bytecode compiler offered is Python {version}, not {target.python_version}: "
                f"the layer ships no .pyc, so {COLD_START_COST}"
            )
            _update(tree, dists, foreign, [])
            return BytecodeResult("none", None, requested, removed=SlimResult(tuple(foreign)))
        raise EnvironmentProblem(
            f"the bytecode compiler is Python {version}, not {target.python_version}: "
            "use an interpreter of the target's version, or --bytecode none"
        )
    sources = _sources(tree)
    sourceless = mode == "only"

    def pyc_of(src: str) -> str:
        return _pyc_path(src, sourceless, target)

    before = _tree_bytes(tree) if requested == "auto" else 0  # what the layer unzips to without .pyc
    cache = _pyc_cache(compiler, version, sourceless)
    todo = cache.fill(tree, sources, pyc_of) if cache else sources
    reused = f", {len(sources) - len(todo)} of {len(sources)} from the cache" if cache else ""
    with step(f"Compiling bytecode ({mode}, Python {version}{reused})"):
        if cache is None or len(todo) == len(sources):
            # The whole tree: compileall's -j0 spreads folders over every core (a file list is serial).
            compiler.compile(tree, sourceless=sourceless)
        elif todo:
            compiler.compile(tree, sourceless=sourceless, files=todo)
        if cache is not None:
            cache.store(tree, todo, pyc_of)
    added, missing, removed = [], [], []
    for src in sources:
        pyc = pyc_of(src)
        if (tree / pyc).is_file():
            added.append((owner_of(src), pyc))
        else:
            missing.append(src)
    _check_versions(tree, [p for _, p in added], target)
    reason, left_out = None, ()
    if requested == "auto":
        added, left_out, reason = _fit_budget(tree, sources, added, before, limit, target)
    if mode == "only":
        for dist, pyc in added:
            src = pyc[:-1]  # mod.pyc -> mod.py
            size = (tree / src).stat().st_size
            (tree / src).unlink()
            removed.append(Removal(SOURCELESS_RULE, dist, src, size))
    _update(tree, dists, foreign + removed, added)
    return BytecodeResult(
        mode,
        version,
        requested,
        len(added),
        tuple(missing),
        SlimResult(tuple(foreign + removed)),
        reason,
        tuple(left_out),
        limit if reason else None,
    )


def _tree_bytes(tree: Path) -> int:
    """What the tree unzips to: the zip holds exactly these files (package.tree_files)."""
    from layerbuild.zip.writer import tree_files

    return sum(os.stat(f.path).st_size for f in tree_files(tree))


def _record_row_bytes(pyc: str, size: int) -> int:
    """The RECORD row a new .pyc adds (`path,sha256=<43 chars>,size\\n`, records.py): it counts too."""
    return len(pyc) + len(",sha256=,") + 43 + len(str(size)) + 1


def _fit_budget(
    tree: Path, sources: list[str], added: list[tuple[str, str]], before: int, limit: int, target: Target
) -> tuple[list[tuple[str, str]], list[str], str | None]:
    """Keep the .pyc of `added` that fit in `limit - before`; delete the rest. Returns (kept, sources
    left without .pyc, the reason) — nothing changes when everything fits or nothing would."""
    from layerbuild.util.units import human_bytes

    cost = {pyc: (tree / pyc).stat().st_size for _, pyc in added}
    cost = {pyc: size + _record_row_bytes(pyc, size) for pyc, size in cost.items()}
    total = before + sum(cost.values())
    if total <= limit:
        return added, [], None
    if before > limit:
        # Over the limit without any .pyc: the layer must be split or trimmed whatever bytecode does (the
        # build's limit warning says so); every module keeps its .pyc for the layers it is split into.
        return added, [], None
    source_of = {pyc: _source_of_pyc(pyc) for _, pyc in added}
    order = _cold_start_order(tree, [source_of[p] for _, p in added], {source_of[p]: cost[p] for p in cost})
    rank = {src: i for i, src in enumerate(order)}
    budget = limit - before
    keep: set[str] = set()
    for _, pyc in sorted(added, key=lambda item: rank[source_of[item[1]]]):
        if cost[pyc] <= budget:
            keep.add(pyc)
            budget -= cost[pyc]
    kept = [(d, p) for d, p in added if p in keep]
    dropped = [p for _, p in added if p not in keep]
    for pyc in dropped:
        (tree / pyc).unlink()
    for folder in sorted({(tree / p).parent for p in dropped}, reverse=True):
        if folder.name == "__pycache__" and not any(folder.iterdir()):
            folder.rmdir()
    left_out = sorted(source_of[p] for p in dropped)
    shipped = before + sum(cost[p] for p in keep)
    py_bytes = sum((tree / source_of[p]).stat().st_size for _, p in added)
    only_total = before - py_bytes + sum(cost.values())
    reason = (
        f"all .pyc would make the layer {human_bytes(total)} unzipped, over the limit of {limit:,} bytes; "
        f"{len(kept)} of {len(added)} modules got .pyc (those imported from the top-level modules first), "
        f"{len(left_out)} compile at import"
    )
    hint = (
        (
            f"; --bytecode only would fit .pyc for every module in {human_bytes(only_total)} (tracebacks lose "
            "source lines)"
        )
        if only_total <= limit
        else ""
    )
    note(f"layerbuild: {reason} ({human_bytes(shipped)} unzipped){hint}")
    return kept, left_out, reason


def _source_of_pyc(pyc: str) -> str:
    """`pkg/__pycache__/mod.cpython-312.pyc` -> `pkg/mod.py`; `pkg/mod.pyc` -> `pkg/mod.py`."""
    folder, _, name = pyc.rpartition("/")
    if folder == "__pycache__" or folder.endswith("/__pycache__"):
        parent = folder[: -len("__pycache__")].rstrip("/")
        base = name.split(".", 1)[0] + ".py"
        return f"{parent}/{base}" if parent else base
    return pyc[:-1]


# One import statement, matched on its own line (found by searching for "import": ten times faster than a
# multi-line regex over a big tree such as oci's 18,000 modules).
_IMPORT = re.compile(rb"[ \t]*(?:from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]+\(?([\w., \t*]+)|import[ \t]+([\w., \t]+))")


def _imports(data: bytes) -> list[tuple[str, str, str, str]]:
    """(dots, base, names, plain) of each `from .base import names` / `import plain` line in `data`."""
    out = []
    i = data.find(b"import")
    while i != -1:
        start = data.rfind(b"\n", 0, i) + 1
        end = data.find(b"\n", i)
        end = len(data) if end == -1 else end
        match = _IMPORT.match(data, start, end)
        if match:
            out.append(tuple((g or b"").decode("ascii", "replace") for g in match.groups()))
        i = data.find(b"import", end)
    return out


def _module_name(src: str) -> str:
    parts = src[:-3].split("/")
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _cold_start_order(tree: Path, sources: list[str], cost: dict[str, int]) -> list[str]:
    """`sources` in the order their .pyc is worth keeping: breadth first through the import statements
    from each top-level module (what an `import pkg` in a handler loads on every cold start), then the
    rest, smallest .pyc first (most modules per byte). A static read: conditional and lazy imports count
    as imported, dynamic ones (importlib) are not seen — an ordering, never a correctness question."""
    by_module = {_module_name(s): s for s in sources}
    roots = sorted(m for m, s in by_module.items() if "." not in m)
    queued: set[str] = set(roots)
    order: list[str] = []
    queue = deque(roots)
    while queue:
        module = queue.popleft()
        src = by_module[module]
        order.append(src)
        package = module if src.endswith("__init__.py") else module.rpartition(".")[0]
        try:
            data = (tree / src).read_bytes()
        except OSError:
            continue
        for dots, base, names, plain in _imports(data):
            targets: list[str] = []
            if plain:
                targets = [n.split(" as ")[0].strip() for n in plain.split(",")]
            else:
                if dots:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - (len(dots) - 1)] if len(dots) > 1 else anchor
                    prefix = ".".join(p for p in [".".join(anchor), base] if p)
                else:
                    prefix = base
                if prefix:
                    targets.append(prefix)
                for name in names.split(","):
                    name = name.split(" as ")[0].strip()
                    if name and name != "*":
                        targets.append(f"{prefix}.{name}" if prefix else name)
            for target in targets:
                if target in queued:
                    continue
                parts = target.split(".")
                for i in range(1, len(parts) + 1):  # importing a.b.c runs a and a.b first
                    name = ".".join(parts[:i])
                    if name in by_module and name not in queued:
                        queued.add(name)
                        queue.append(name)
    reached = set(order)
    rest = sorted((s for s in sources if s not in reached), key=lambda s: (cost.get(s, 0), s))
    return order + rest


def _pyc_cache(compiler: Compiler, version: str, sourceless: bool):
    """A .pyc cache for this machine's interpreters (the container's output is not kept)."""
    if not isinstance(compiler, LocalCompiler):
        return None
    from layerbuild.build.cache import cache_root
    from layerbuild.bytecode.pyc_cache import PycCache

    return PycCache(cache_root() / "pyc", str(compiler.python), version, sourceless)


def _sources(tree: Path) -> list[str]:
    """The tree's .py files outside `*.dist-info`, by the same walk the zip uses."""
    from layerbuild.zip.writer import tree_files

    return [f.arcname for f in tree_files(tree, skip_top=(".dist-info",)) if f.arcname.endswith(".py")]


def _pyc_path(src: str, sourceless: bool, target: Target) -> str:
    if sourceless:
        return src + "c"
    folder, _, name = src.rpartition("/")
    tag = "cpython-" + target.python_version.replace(".", "")
    cached = f"__pycache__/{name[:-3]}.{tag}.pyc"
    return f"{folder}/{cached}" if folder else cached


def _remove_foreign_pyc(tree: Path, target: Target, owner_of) -> list[Removal]:
    """`__pycache__` files of other Pythons (left when slimming is off): never loaded, never shipped."""
    tag = ".cpython-" + target.python_version.replace(".", "") + "."
    removals = []
    for pyc in sorted(tree.rglob("__pycache__/*.pyc")):
        rel = pyc.relative_to(tree).as_posix()
        if rel.split("/", 1)[0].endswith(".dist-info") or tag in pyc.name:
            continue
        size = pyc.stat().st_size
        pyc.unlink()
        removals.append(Removal(FOREIGN_RULE, owner_of(rel), rel, size))
    return removals


def _check_versions(tree: Path, pycs: list[str], target: Target) -> None:
    from layerbuild.facts.pyc_magic import python_of_pyc

    for rel in pycs:
        with open(tree / rel, "rb") as fh:
            found = python_of_pyc(fh.read(4))
        if found != target.python_version:
            raise InstallError(
                f"{rel} was compiled for Python {found}, not {target.python_version}: "
                "the compiler does not match the target; use --bytecode none"
            )


def _update(tree: Path, dists, removed: list[Removal], added: list[tuple[str, str]]) -> None:
    update_records(tree, dists, removed=[(r.distribution, r.path) for r in removed], added=added)


def bytecode_key(requested: str, target: Target) -> str | None:
    """What the build cache must know: the Python that would compile (its .pyc bytes depend on it)."""
    if requested == "none":
        return None
    python = find_interpreter(target.python_version)
    return interpreter_version(python) if python else None
