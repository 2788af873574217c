"""Ship `.pyc` compiled by the target's Python, so cold starts do not compile every import.

Lambda's `/opt` is read-only: without valid bytecode in the layer, each cold start compiles every
module it imports (pandas+requests+pydantic import in 1.49 s without .pyc, 0.52 s with, on python3.11;
docs/benchmarks.md measures the same ratio). The .pyc use `unchecked-hash` invalidation, because the
zip's normalised dates would make timestamp-based ones stale, and they are written by an interpreter of
the target's minor version only: a .pyc of another version is dead weight the import system ignores.

Modes (`--bytecode`): `alongside` writes `__pycache__/*.cpython-XY.pyc` beside each `.py`; `only`
writes legacy `mod.pyc` where `mod.py` was and removes the source (smaller; tracebacks lose their
source lines and `inspect.getsource` fails); `init` writes `alongside` .pyc only for the modules the
handler's traced init (and event replays) imported, the rest ship as source (issue 16: almost the
init time of `alongside` at almost the size of `none`); `none` writes nothing; `auto` is `alongside` when an
interpreter of the target's version is found, else `none` with a one-line notice, and keeps a layer
that fits Lambda's unzipped limit within it (budget.py). Who compiles: compilers.py.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from layerbuild.bytecode.budget import fit_budget
from layerbuild.bytecode.compilers import Compiler, LocalCompiler
from layerbuild.bytecode.pyc_cache import PycCache
from layerbuild.errors import EnvironmentProblem, InstallError
from layerbuild.model.removals import Removal, Removals
from layerbuild.model.report import BytecodeDetail
from layerbuild.model.target import Target
from layerbuild.tree.index import TreeIndex, in_dist_info
from layerbuild.util.progress import note, step

if TYPE_CHECKING:
    from layerbuild.aws.shared_cache import SharedStore

MODES = ("auto", "none", "alongside", "only", "init")
SOURCELESS_RULE = "bytecode-only"
FOREIGN_RULE = "foreign-bytecode"
# What the notice quotes when no interpreter is found: measured for pandas+requests+pydantic on
# python3.11 with PYTHONDONTWRITEBYTECODE=1 (docs/benchmarks.md reproduces the ratio).
COLD_START_COST = (
    "imports then compile on every cold start (measured: 1.49 s instead of 0.52 s for pandas+requests+pydantic)"
)


@dataclass(frozen=True)
class BytecodeResult:
    mode: str  # what the layer ships: none | alongside | only | init
    python: str | None  # the compiling interpreter's version
    requested: str
    compiled: int = 0  # .pyc written
    not_compiled: tuple[str, ...] = ()  # .py left without .pyc (syntax errors)
    removed: Removals = field(default_factory=Removals)  # sources removed by `only`, foreign .pyc
    reason: str | None = None  # why `auto` shipped less bytecode than asked (the size budget)
    left_out: tuple[str, ...] = ()  # .py compiled but shipped without .pyc to stay within the budget
    budget_bytes: int | None = None  # the unzipped limit `auto` kept the layer within

    def detail(self) -> BytecodeDetail:
        """What the report's bytecode section says besides mode and python."""
        if not self.reason:
            return BytecodeDetail(self.compiled)
        return BytecodeDetail(self.compiled, self.reason, len(self.left_out), self.budget_bytes)


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
    tree: TreeIndex,
    target: Target,
    requested: str,
    compiler: Compiler | None,
    *,
    max_unzipped: int | None = None,
    init_sources: frozenset[str] | None = None,
    shared: SharedStore | None = None,  # the --cache-url store (pyc_cache.py)
) -> BytecodeResult:
    """Compile `tree` for `target` per `requested`; removes .pyc of other Python versions first.

    `max_unzipped`: the unzipped bytes the layer may have (default: Lambda's limit); `auto` keeps a
    layer that fits without bytecode within it (budget.py). `init_sources`: for `init`, the sources
    (paths in the tree) the handler's init imported; only they get a .pyc."""
    from layerbuild.facts.limits import MAX_UNZIPPED_BYTES

    limit = MAX_UNZIPPED_BYTES if max_unzipped is None else max_unzipped
    mode = resolve_mode(requested, target, compiler)
    foreign = _remove_foreign_pyc(tree, target)
    if mode == "none":
        if requested == "auto":
            note(
                f"layerbuild: no Python {target.python_version} interpreter found: the layer ships no .pyc, so "
                f"{COLD_START_COST}; install Python {target.python_version} to compile them"
            )
        _update(tree, foreign, [])
        return BytecodeResult("none", None, requested, removed=Removals(tuple(foreign)))

    assert compiler is not None
    version = compiler.version()
    if ".".join(version.split(".")[:2]) != target.python_version:
        # Never ship a .pyc of another version: the runtime would ignore it (or, sourceless, fail).
        if requested == "auto":
            note(
                f"layerbuild: the bytecode compiler offered is Python {version}, not {target.python_version}: "
                f"the layer ships no .pyc, so {COLD_START_COST}"
            )
            _update(tree, foreign, [])
            return BytecodeResult("none", None, requested, removed=Removals(tuple(foreign)))
        raise EnvironmentProblem(
            f"the bytecode compiler is Python {version}, not {target.python_version}: "
            "use an interpreter of the target's version, or --bytecode none"
        )
    root = tree.root
    sources = tree.sources()
    every = sources
    if mode == "init":
        if init_sources is None:
            raise EnvironmentProblem("--bytecode init needs the handler's traced init: pass --code and --handler")
        sources = [s for s in sources if s in init_sources]
    sourceless = mode == "only"

    def pyc_of(src: str) -> str:
        return _pyc_path(src, sourceless, target)

    before = tree.unzipped_bytes() if requested == "auto" else 0  # what the layer unzips to without .pyc
    cache = _pyc_cache(compiler, version, sourceless, shared, tree)
    todo = cache.look_up(root, sources) if cache else sources
    reused = f", {len(sources) - len(todo)} of {len(sources)} from the cache" if cache else ""
    with step(f"Compiling bytecode ({mode}, Python {version}{reused})"):
        if not isinstance(compiler, LocalCompiler):
            # A compiler that takes no file list (the build image's) compiles the whole tree; for `init`
            # the .pyc of the modules init never imported are dropped after.
            compiler.compile(root, sourceless=sourceless)
            if sources is not every:
                wanted = set(sources)
                _drop_pyc(root, [pyc_of(s) for s in every if s not in wanted])
        elif cache is not None:
            todo += _link_while_compiling(cache, compiler, root, sources, todo, pyc_of, sourceless)
        elif todo:
            compiler.compile(root, sourceless=sourceless, files=todo)  # shares balanced over the cores
    added, missing, removed = [], [], []
    base = os.path.join(root, "")
    for src in sources:
        pyc = pyc_of(src)
        if os.path.isfile(base + pyc):
            added.append((tree.owner_of(src), pyc))
        else:
            missing.append(src)
    # What was compiled now is checked before the cache keeps it; what came from the cache was checked
    # when it was compiled (the cache's key holds the interpreter and its version).
    fresh = {pyc_of(s) for s in todo} if cache is not None else None
    _check_versions(root, [p for _, p in added if fresh is None or p in fresh], target)
    if cache is not None:
        cache.store(root, todo, pyc_of)
    reason: str | None = None
    left_out: list[str] = []
    if requested == "auto":
        added, left_out, reason = fit_budget(root, added, before, limit)
    if mode == "only":
        for dist, pyc in added:
            src = pyc[:-1]  # mod.pyc -> mod.py
            size = (root / src).stat().st_size
            (root / src).unlink()
            removed.append(Removal(SOURCELESS_RULE, dist, src, size))
        tree.deleted(removed)
    tree.add(pyc for _, pyc in added)
    # compileall also compiles a source that links out of the tree (never packaged), beside the link.
    left = (pyc_of(p) for p in tree.left_out if p.endswith(".py") and not in_dist_info(p))
    tree.add(p for p in left if (root / p).is_file())
    _update(tree, foreign + removed, added)
    return BytecodeResult(
        mode,
        version,
        requested,
        len(added),
        tuple(missing),
        Removals(tuple(foreign + removed)),
        reason,
        tuple(left_out),
        limit if reason else None,
    )


def _link_while_compiling(
    cache: PycCache,
    compiler: LocalCompiler,
    root: Path,
    sources: list[str],
    absent: list[str],
    pyc_of: Callable[[str], str],
    sourceless: bool,
) -> list[str]:
    """Compile the sources the cache lacks (`absent`) in the compiler's processes while this thread links
    the cached .pyc of the others; returns the sources whose entry went away meanwhile, compiled after.
    A rebuild that adds one package links ~700 .pyc (0.15 s) in the time its interpreter starts."""
    from concurrent.futures import ThreadPoolExecutor

    wanted = set(absent)
    with ThreadPoolExecutor(max_workers=1) as pool:
        compiling = pool.submit(compiler.compile, root, sourceless, absent) if absent else None
        try:
            late = cache.link(root, [s for s in sources if s not in wanted], pyc_of)
        finally:
            if compiling is not None:
                compiling.result()  # its error (a broken interpreter) is the build's
    if late:
        compiler.compile(root, sourceless=sourceless, files=late)
    return late


def _drop_pyc(root: Path, pycs: list[str]) -> None:
    for rel in pycs:
        (root / rel).unlink(missing_ok=True)


def _pyc_cache(
    compiler: Compiler, version: str, sourceless: bool, shared: SharedStore | None, tree: TreeIndex
) -> PycCache | None:
    """A .pyc cache for this machine's interpreters (the container's output is not kept)."""
    if not isinstance(compiler, LocalCompiler):
        return None
    from layerbuild.util.cachedir import cache_root

    return PycCache(cache_root() / "pyc", str(compiler.python), version, sourceless, shared, tree.digests.sha256)


def _pyc_path(src: str, sourceless: bool, target: Target) -> str:
    if sourceless:
        return src + "c"
    folder, _, name = src.rpartition("/")
    tag = "cpython-" + target.python_version.replace(".", "")
    cached = f"__pycache__/{name[:-3]}.{tag}.pyc"
    return f"{folder}/{cached}" if folder else cached


def _remove_foreign_pyc(tree: TreeIndex, target: Target) -> list[Removal]:
    """`__pycache__` files of other Pythons (left when slimming is off): never loaded, never shipped."""
    tag = ".cpython-" + target.python_version.replace(".", "") + "."
    removals = []
    found = [p for p in tree.paths() if p.endswith(".pyc") and p.split("/")[-2:-1] == ["__pycache__"]]
    for rel in sorted(found, key=lambda p: p.split("/")):
        if in_dist_info(rel) or tag in rel.rpartition("/")[2]:
            continue
        pyc = tree.root / rel
        size = pyc.stat().st_size
        pyc.unlink()
        removals.append(Removal(FOREIGN_RULE, tree.owner_of(rel), rel, size))
    tree.deleted(removals)
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


def _update(tree: TreeIndex, removed: list[Removal], added: list[tuple[str, str]]) -> None:
    tree.update_records(removed=[(r.distribution, r.path) for r in removed], added=added)
