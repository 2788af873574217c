"""The stages of a build, each of one shape: `(tree, context) -> result`.

Each adapts one stage package (slim/, bytecode/, verify/, zip/) to the build: it reads what it needs from
the `BuildContext` and works on the staging tree's `TreeIndex`, which it keeps up to date. pipeline.py
runs them in order.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from layerbuild.util.progress import step

if TYPE_CHECKING:  # a cache hit imports this module and runs none of the stages: their modules load when run
    from layerbuild.audit.findings import Finding
    from layerbuild.build.context import BuildContext
    from layerbuild.bytecode.compile import BytecodeResult
    from layerbuild.bytecode.compilers import Compiler
    from layerbuild.model.removals import Removals
    from layerbuild.tree.index import TreeIndex
    from layerbuild.verify.results import SmokeResult


@dataclass(frozen=True)
class Stage:
    name: str
    purpose: str
    run: Callable[[TreeIndex, BuildContext], Any]
    # Runs beside the stages after it (build/overlap.py): `run` prepares in the main thread and returns
    # the work (a function of no arguments) done in a thread; its result is awaited after the last stage.
    beside: bool = False


@dataclass(frozen=True)
class ZipResult:
    path: Path
    sha256: str


# The later stages' modules (verify's alone take 0.08 s, packaging's regular expressions most of it)
_STAGE_MODULES = (
    "layerbuild.tree.index",
    "layerbuild.slim.apply",
    "layerbuild.bytecode.compile",
    "layerbuild.zip.writer",
    "layerbuild.zip.stream_eviction",
    "layerbuild.measure.inventory_cache",
)
_CHECK_MODULES = ("layerbuild.verify.native_build", "layerbuild.verify.imports", "layerbuild.verify.import_cache")


def install(context: BuildContext) -> TreeIndex:
    """Install the lock into the staging folder, then index it: the build's one walk of the tree."""
    from layerbuild.util.lazy import import_soon

    # loaded while uv installs, when this thread only waits on it: not on the way of the stages after
    import_soon(_STAGE_MODULES + (_CHECK_MODULES if context.options.verify else ()))
    with step(f"Installing {len(context.lock.pins)} packages ({context.installer.name})"):
        context.installer.install(context.lock, context.target, context.tree_dir)
    from layerbuild.tree.digests import FileDigests
    from layerbuild.tree.index import TreeIndex
    from layerbuild.util.cachedir import cache_root

    # File digests remembered across builds: a rebuild reads and hashes only the files that are new
    tree = TreeIndex.of(context.tree_dir, FileDigests(cache_root() / "digests" / "files"))
    tree.trash = context.work.parent  # whole folders slim removes go by one rename each (tree/remove.py)
    return tree


def remove_runtime_provided(tree: TreeIndex, context: BuildContext) -> Removals:
    from layerbuild.facts.runtime_packages import REMOVAL_RULE

    if not context.runtime_provided:
        from layerbuild.model.removals import Removals

        return Removals()
    dists = [d for d in tree.distributions if d.name in context.runtime_provided]
    # Moved aside (whole folders by one rename), not copied then deleted: the work folder is one file system.
    # The smoke test imports them after the layer, as Lambda's path does, then removes them; without it
    # they go now, in a thread (util/trash.py), not file by file in the build's way (boto3's closure is
    # 2,248 files in 988 folders: 0.14 s with `rm -rf` here, more through Python).
    removed = tree.remove_distributions(dists, REMOVAL_RULE, move_to=context.runtime_dir)
    if not context.options.verify:
        from layerbuild.util.trash import remove_soon

        remove_soon(context.runtime_dir, context.work.parent)
    return removed


def _compiler(context: BuildContext) -> Compiler | None:
    """The build's bytecode compiler, chosen once (kept on the overlap: it may have a process started)."""
    from layerbuild.bytecode.compilers import choose_compiler

    overlap = context.overlap
    if overlap.compiler is None:
        settings = context.settings
        overlap.compiler = choose_compiler(
            context.installer.compiler(context.target), settings.python, settings.python_version
        )
    return overlap.compiler


def slim(tree: TreeIndex, context: BuildContext) -> Removals:
    from layerbuild.bytecode.compilers import LocalCompiler
    from layerbuild.slim.apply import slim_layer

    if context.options.bytecode != "none" and isinstance(compiler := _compiler(context), LocalCompiler):
        compiler.warm(tree.root, context.options.bytecode == "only")  # it starts while this stage slims
    settings = context.settings
    removed = slim_layer(tree, context.options.slim, settings.keep, settings.drop)
    context.overlap.gone = frozenset(r.path for r in tree.removals)
    context.overlap.slimmed.set()  # compress-ahead goes on to what is left of the test and cache files
    return removed


def compile_bytecode(tree: TreeIndex, context: BuildContext) -> BytecodeResult:
    from layerbuild.bytecode.compile import add_bytecode

    settings = context.settings
    compiler = _compiler(context)
    from layerbuild.aws.shared_cache import shared_store_for

    shared = shared_store_for(context.options.cache_url)  # --cache-url: .pyc shared by CI runners too
    from layerbuild.build.init_stage import traced

    found = traced(context)  # the handler's init, when the build ran it (init_stage.py)
    return add_bytecode(
        tree,
        context.target,
        context.options.bytecode,
        compiler,
        max_unzipped=settings.max_unzipped,
        shared=shared,
        init_sources=frozenset(found["sources"]) if found else None,
    )


def true_records(tree: TreeIndex, context: BuildContext) -> None:
    tree.drop_missing_rows()


def check_native(tree: TreeIndex, context: BuildContext) -> Callable[[], list[Finding]]:
    """The audit's native checks, found beside the import check (their 0.3 s of CPU would otherwise
    leave a core idle before the import check's interpreters start); reported by check_imports, in the
    main thread, before its own result: what the audit calls an error fails the build too."""
    if not context.options.verify:
        return list
    from layerbuild.verify.native_build import check_build_tree

    return lambda: check_build_tree(tree, context.target, context.options.audit_config)


def _report_native(context: BuildContext) -> None:
    """The native check's warnings, and its error, which goes before an import failure: a library that
    cannot load on the target is why its module does not import."""
    from layerbuild.verify.native_build import raise_on_native_errors

    findings = context.overlap.wait("native-check")
    if findings is not None:
        raise_on_native_errors(findings, context.target)


def check_imports(tree: TreeIndex, context: BuildContext) -> SmokeResult:
    if not context.options.verify:
        from layerbuild.verify.results import SmokeResult

        return SmokeResult(None, skipped="--no-verify")
    from layerbuild.aws.shared_cache import shared_store_for
    from layerbuild.errors import FindingsError
    from layerbuild.verify.imports import verify_imports

    settings = context.settings
    # The runtime-provided packages set aside before their removal: on sys.path after the layer.
    runtime_dists = tuple(tree.removed_distributions) if context.runtime_dir.is_dir() else ()
    try:
        result = verify_imports(
            tree,
            context.target,
            settings.python,
            settings.python_version,
            context.runtime_dir,
            runtime_dists,
            skip=context.options.skip_import + _pruned_top_level(tree, context),
            shared=shared_store_for(context.options.cache_url),  # --cache-url: checks shared by CI runners too
        )
    except FindingsError:
        _report_native(context)
        raise
    _report_native(context)
    from layerbuild.util.trash import remove_soon

    remove_soon(context.runtime_dir, context.work.parent)  # boto3 and botocore set aside: ~1,000 folders
    return result


def _pruned_top_level(tree: TreeIndex, context: BuildContext) -> tuple[str, ...]:
    """With `--prune unused`, the top-level modules the handler never imported: pruned on purpose, so
    the import check leaves them out (the replay on the pruned layer is their check)."""
    from layerbuild.build.init_stage import traced

    found = traced(context) if context.options.prune else None
    if not found:
        return ()
    imported = set(found["top_level"])
    return tuple(sorted({t for d in tree.distributions for t in d.top_level if t not in imported}))


def compress_ahead(tree: TreeIndex, context: BuildContext) -> Callable[[], int]:
    """Compress the layer's files into the build's stream cache on a spare core, from the install on,
    while runtime-provided removal and slimming run in the main thread and bytecode compiles
    (build/overlap.py). Left out: the runtime-provided distributions (set aside next), RECORDs (the
    records stage rewrites them) and, for `--bytecode only`, the .py files (removed); files under test
    and cache folders, which slimming mostly removes, come last. Streams are keyed by content, so a
    file removed or rewritten later only costs the work done on it, never a wrong zip."""
    from functools import partial

    from layerbuild.model.inventory import is_cache_file, is_test_file
    from layerbuild.tree.walk import TreeFile
    from layerbuild.zip.compressors import compressor_for
    from layerbuild.zip.streams import StreamCache
    from layerbuild.zip.writer import precompress

    overlap = context.overlap
    sourceless = context.options.bytecode == "only"
    provided = context.runtime_provided
    first: list[TreeFile] = []
    later: list[TreeFile] = []
    for f in tree.files():
        if f.arcname.endswith(".dist-info/RECORD") or (sourceless and f.arcname.endswith(".py")):
            continue
        if provided and tree.owner_of(f.arcname) in provided:
            continue
        (later if is_test_file(f.arcname) or is_cache_file(f.arcname) else first).append(f)
    if overlap.sequential:
        first, later = [], []
    compressor = compressor_for(context.options.compression).name

    def stop() -> bool:
        return overlap.zip_started.is_set() or overlap.cancelled.is_set()

    def run() -> int:
        def new(f: TreeFile) -> bool:
            # By the walk's stat, not a stat now (every one lets go of the GIL, and the main thread's
            # slimming and linking then wait to have it back: 0.06 s of a rebuild that adds one package):
            # a file changed since is compressed by the zip writer, as any this guess misses.
            facts = tree.digests.recall(f.walked)
            return facts is None or not overlap.streams.knows(StreamCache.key(facts[0], facts[1], compressor))

        def biggest_first(files: list[TreeFile]) -> list[str]:
            # (by the walk's sizes) while slimming runs in the main thread, this one then spends its time
            # in libdeflate, which releases the GIL, rather than taking the GIL back for every small file
            return [f.path for f in sorted((f for f in files if new(f)), key=lambda f: -f.size)]

        def rest() -> list[str]:
            # The test and cache files once slimming is done, and only those it left: reading and
            # compressing the ones it removes took the GIL from it (1,900 files of a rebuild's tree).
            if not later:
                return []  # (sequential: this runs before slimming, and has nothing to do)
            while not overlap.slimmed.wait(0.05):
                if stop():
                    return []
            gone = overlap.gone
            return biggest_first([f for f in later if f.arcname not in gone])

        done: list[int | BaseException] = []

        def idle_only() -> None:
            # Nice 19, in a thread of its own (a thread cannot lower its nice again): it takes only what
            # the compilers leave of the cores, so compiling ends sooner (7.3 s -> 6.9 s for the medium set).
            if sys.platform.startswith("linux"):  # a thread id is a task id there; elsewhere it is not a pid
                try:
                    os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
                except OSError:
                    pass
            try:
                compressed = 0
                for paths in (partial(biggest_first, first), rest):
                    compressed += precompress(
                        paths(), overlap.streams, context.options.compression, stop=stop, digests=tree.digests
                    )
                done.append(compressed)
            except BaseException as exc:  # noqa: BLE001 - raised again in the stage's thread, below
                done.append(exc)

        worker = threading.Thread(target=idle_only, name="layerbuild-compress-ahead")
        worker.start()
        worker.join()
        if done and isinstance(done[0], BaseException):
            raise done[0]
        return done[0] if done and isinstance(done[0], int) else 0

    return run


def write_zip(tree: TreeIndex, context: BuildContext) -> Callable[[], ZipResult]:
    """Write the zip of the final tree beside the checks; streams compressed ahead are copied."""
    import threading
    import zipfile
    from concurrent.futures import ThreadPoolExecutor
    from contextlib import nullcontext

    from layerbuild.measure.inventory_cache import remember_written
    from layerbuild.util.filehash import sha256_file
    from layerbuild.zip.writer import LAYER_PREFIX, identify, write_layer_zip

    files, root, overlap = tree.files(), tree.root, context.overlap
    # in the main thread, before the checks start beside the zip (zip/writer.identify); no stage changes
    # the tree after this one
    identified = identify(files, context.options.compression, tree.digests)

    def run() -> ZipResult:
        overlap.zip_started.set()  # compress-ahead stops after its file; the writer waits only for that one
        # sequential (in the main thread): its own progress line; beside the checks, assemble shows one
        shown = threading.current_thread() is threading.main_thread()
        with step("Writing the layer zip") if shown else nullcontext():
            written: list[zipfile.ZipFile] = []
            path = write_layer_zip(
                root,
                context.zip_path,
                files=files,
                compression=context.options.compression,
                streams=overlap.streams,
                cancelled=overlap.cancelled,
                digests=tree.digests,
                keep=written,
                earlier=context.earlier_zips,  # the entries it shares with the cache's last zips are copied
                record=True,  # and this one's are copied by the next build (zip/earlier.py)
                identified=identified,
            )
        # the report's inventory, made here beside the checks from what was just written (0.1 s after
        # them when read back from the zip), while another thread hashes the zip
        with ThreadPoolExecutor(max_workers=1) as pool:
            hashing = pool.submit(sha256_file, path)
            sha256 = remember_written(
                written[0], path, hashing.result, lambda name: _tree_text(root, name[len(LAYER_PREFIX) :])
            )
        return ZipResult(path, sha256)

    return run


def _tree_text(root: Path, rel: str) -> str | None:
    """A tree file's text as the inventory reads it from the zip (bytes decoded, no newline translation)."""
    try:
        return (root / rel).read_bytes().decode("utf-8", errors="replace")
    except OSError:
        return None
