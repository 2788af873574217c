"""A build as a list of named stages: resolve, install (the one walk of the tree), then STAGES on the
tree's index (runtime-provided removal, slim, bytecode, RECORDs, native check, import check, zip), then
the cache entry's record, the inventory of the zip and the report."""

from __future__ import annotations

import os
import shutil
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

from layerbuild.build.cache import BuildCache, CacheEntry, cache_key
from layerbuild.build.context import BuildContext, Settings, settings_for
from layerbuild.build.init_stage import TRACE_FILE, check_function_options, function_digest, trace_and_prune
from layerbuild.build.layer_checks import refuse_empty_layer, warn_about_limits, warn_about_runtime_sdk
from layerbuild.build.stages import (
    Stage,
    ZipResult,
    check_imports,
    check_native,
    compile_bytecode,
    compress_ahead,
    install,
    remove_runtime_provided,
    slim,
    true_records,
    write_zip,
)
from layerbuild.config import BuildOptions
from layerbuild.errors import InputError
from layerbuild.facts.runtime_packages import RUNTIME_PROVIDED
from layerbuild.measure.inventory_cache import inventory_of_known_zip
from layerbuild.model.build_record import BuildRecord
from layerbuild.model.lock import Lock
from layerbuild.model.names import layer_zip_name
from layerbuild.model.report import BuildSummary, LayerReport, removed_rows
from layerbuild.model.target import Target
from layerbuild.report.sidecar import write_report_json
from layerbuild.resolve.lockfile import install_text
from layerbuild.resolve.runtime_provided import runtime_provided_closure
from layerbuild.resolve.speculate import lock_or_guess
from layerbuild.tree import counts
from layerbuild.util.progress import step, warn
from layerbuild.zip.compressors import compressor_for


@dataclass(frozen=True)
class BuildResult:
    zip_path: Path
    report_path: Path
    lock: Lock
    cached: bool
    report: LayerReport


STAGES: tuple[Stage, ...] = (
    # beside: runs in a thread while the stages after it run (build/overlap.py); the zip is the same bytes
    Stage(
        "compress-ahead",
        "compress the installed files on a spare core, from the install on",
        compress_ahead,
        beside=True,
    ),
    Stage(
        "runtime-provided", "remove what the runtime provides (set aside for the import check)", remove_runtime_provided
    ),
    Stage("slim", "remove what the slim rules and --drop match, keep what imports need", slim),
    Stage("init", "run the handler's init and events (--bytecode init, --prune unused)", trace_and_prune),
    Stage("bytecode", "compile .pyc with the target's Python, within the unzipped budget", compile_bytecode),
    Stage("records", "each RECORD lists only what the layer holds", true_records),
    Stage("zip", "write the deterministic layer zip, while the checks run", write_zip, beside=True),
    Stage("native-check", "every binary loads on the target, as the audit judges", check_native, beside=True),
    Stage(
        "import-check",
        "every top-level module imports, failures matched to removals; native errors reported first",
        check_imports,
    ),
)


def assemble(context: BuildContext) -> BuildRecord:
    """Install into `context.work`, index the tree once, run STAGES on it; returns the cache entry's record."""
    tree = install(context)
    overlap, done = context.overlap, {}
    try:
        for stage in STAGES:
            if stage.beside:
                overlap.start(stage.name, stage.run(tree, context))
            else:
                done[stage.name] = stage.run(tree, context)
        with step("Writing the layer zip (beside the checks)") if not overlap.sequential else nullcontext():
            done.update(overlap.results())
    except BaseException:
        overlap.close(failed=True)  # a failed check or a signal: stop and wait for the threads, then go on
        raise
    overlap.close(failed=False)
    tree.digests.save()
    # The work folder becomes the cache entry: zip and record only. The tree leaves it now and is deleted
    # while the inventory and the report are written (util/trash.py).
    from layerbuild.util.trash import remove_soon

    remove_soon(tree.root, context.work.parent)
    (context.work / TRACE_FILE).unlink(missing_ok=True)  # the handler's trace (init_stage.py) is not kept
    from layerbuild.bytecode.compile import BytecodeResult
    from layerbuild.verify.results import SmokeResult

    bytecode, verified, packed = done["bytecode"], done["import-check"], done["zip"]
    assert isinstance(bytecode, BytecodeResult) and isinstance(verified, SmokeResult)
    assert isinstance(packed, ZipResult)
    counts.write_if_asked()
    return BuildRecord(
        sha256=packed.sha256,
        runtime=context.target.runtime,
        arch=context.target.arch,
        removed=tuple(tree.removals),
        bytecode_mode=bytecode.mode,
        bytecode_python=bytecode.python,
        bytecode_detail=bytecode.detail(),
        imports_verified=verified.summary(),
        built_in_container=tuple(context.installer.built_in_container),
    )


def local_sources_digest(lock: Lock) -> str | None:
    """Digest of the files of every local project the lock installs (`name @ file:///…`): an edit in a
    monorepo's `libs/common` must give a new layer, though the lock's text is the same."""
    from layerbuild.resolve.local_projects import path_of_url, tree_digest

    local = sorted(p.source for p in lock.pins if p.source and p.source.startswith("file:"))
    return tree_digest([Path(path_of_url(url)) for url in local]) if local else None


def runtime_for_source(source: str | Path, options: BuildOptions) -> BuildOptions:
    """When no runtime was asked for (flags, env, config), a project with a Python constraint gets the
    newest runtime it allows (resolve/inputs.default_runtime); a requirements file keeps the default."""
    if "runtime" in options.sources or not Path(source).exists():
        return options
    from dataclasses import replace

    from layerbuild.resolve.inputs import default_runtime

    runtime = default_runtime(Path(source), options.project_options(), options.runtime)
    if runtime != options.runtime:
        from layerbuild.util.progress import note

        note(f"layerbuild: building for {runtime}, the newest runtime {source} allows (pass --runtime to choose)")
        return replace(options, runtime=runtime)
    return options


def build_layer(requirements: str | Path, options: BuildOptions, *, cache: BuildCache | None = None) -> BuildResult:
    """Build the layer of a requirements file, a project manifest or a folder (resolve/inputs)."""
    from layerbuild.resolve.inputs import open_source

    options = runtime_for_source(requirements, options)
    target = Target(options.runtime, options.arch)
    if target.deprecated_on:
        warn(
            f"{target.runtime} is deprecated since {target.deprecated_on}: new functions cannot use it; "
            "plan a move to a newer runtime"
        )
    settings = settings_for(options, target)  # a malformed --keep/--drop/--max-unzipped fails before any work
    from layerbuild.aws.shared_cache import shared_store_for

    shared = shared_store_for(options.cache_url)  # a malformed --cache-url too (nothing is asked of S3 yet)
    check_function_options(options)  # --bytecode init / --prune unused without --code and --handler
    reqs = open_source(requirements, options.project_options(), target)
    if options.name is not None:  # also for BuildOptions made in code, not only by merge_build_options
        from layerbuild.model.names import check_layer_name

        check_layer_name(options.name, "--name")
    name = options.name or default_name(reqs.path, options.package)
    out = output_dir(options.output)
    with step(f"Resolving {reqs.path} for {target.runtime} {target.arch}"):
        # a guess from uv's cache to build on while the index is asked (resolve/speculate.py)
        lock, speculation = lock_or_guess(reqs, target, ttl=options.resolution_ttl_seconds(), refresh=options.refresh)
    cache = cache or BuildCache(shared=shared)
    from layerbuild.util.trash import sweep_trash

    sweep_trash(cache.root / "tmp")  # a staging tree a killed build was still deleting (util/trash.py)
    try:
        entry, cached = _built(lock, reqs.path, settings, cache)
    except Exception:
        if speculation is None or (real := speculation.confirm()) is None:
            raise
        lock, speculation = real, None  # the guess failed, and it was not the lock: build the real one
        entry, cached = _built(lock, reqs.path, settings, cache)
    if speculation is not None and (real := speculation.confirm()) is not None:
        from layerbuild.util.progress import note

        note("layerbuild: the index has newer versions than uv's cache had: building the layer of those")
        lock = real
        entry, cached = _built(lock, reqs.path, settings, cache)
    zip_out = out / layer_zip_name(name, target.runtime, target.arch)
    report_out = out / f"{name}-{target.slug}.report.json"
    here = os.path.abspath(out)
    if any(os.path.dirname(os.path.normpath(os.path.abspath(p))) != here for p in (zip_out, report_out)):
        raise InputError(f"layer name {name!r} would write outside {out}: use letters, digits, - and _")
    cache.export(entry, zip_out)  # nothing is written when zip_out is still the copy of this entry
    record = entry.record
    report = LayerReport(
        inventory=inventory_of_known_zip(zip_out, record.sha256),  # the cache entry checked that sha256
        target=target,
        target_source="flags",
        layer_path=str(zip_out),
        sha256=record.sha256,
        removed=removed_rows(record.removed),
        bytecode_mode=record.bytecode_mode,
        bytecode_python=record.bytecode_python,
        bytecode_detail=record.bytecode_detail,
        build=BuildSummary(
            cached, record.built_in_container, record.imports_verified, (str(reqs.source or reqs.path), reqs.kind)
        ),
    )
    warn_about_limits(report, settings.max_unzipped)
    warn_about_runtime_sdk(report, entry.zip_path.parent / "sdk-warnings.json")
    write_report_json(report, report_out)
    return BuildResult(zip_out, report_out, lock, cached, report)


def _built(lock: Lock, path: Path, settings: Settings, cache: BuildCache) -> tuple[CacheEntry, bool]:
    """The cache entry of `lock`'s layer, built now unless the cache has it; (entry, whether it had it)."""
    options, target = settings.options, settings.target
    drop = frozenset() if options.keep_runtime_packages else runtime_provided_closure(lock, RUNTIME_PROVIDED)
    refuse_empty_layer(path, lock, drop, target)
    key = cache_key(
        {
            "lock": install_text(lock),
            "from_source": lock.build_from_source,
            "local_sources": local_sources_digest(lock),  # a local project's files, not only its path
            "target": target.slug,
            "options": options.cache_parts(),
            "bytecode_python": settings.bytecode_python,
            "source_date_epoch": os.environ.get("SOURCE_DATE_EPOCH"),
            "compressor": compressor_for(options.compression).name,
            **({"function": digest} if (digest := function_digest(options)) else {}),  # its code and events
        }
    )
    entry = cache.get(key)
    if entry is not None:
        return entry, True
    from layerbuild.install import installer_for

    work = cache.staging()
    try:
        record = assemble(BuildContext(settings, lock, drop, installer_for(options), work, cache.recent_zips()))
        return cache.commit(key, work, record), False
    finally:
        shutil.rmtree(work, ignore_errors=True)


def default_name(requirements: Path, package: str | None = None) -> str:
    """The manifest's folder name, made a valid layer name (`my app.v2` → `my-app-v2`); a workspace
    member's name when one was asked for (`--package fn-a`)."""
    from layerbuild.model.names import layer_name_from

    return layer_name_from(package or requirements.resolve().parent.name)


def output_dir(path: str) -> Path:
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise InputError(f"output path {out} is a file, not a folder: pass another -o")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create output folder {out}: {exc.strerror}: pass another -o") from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise InputError(f"output folder {out} is not writable: pass another -o")
    return out
