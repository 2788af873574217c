"""A build as a list of named stages: resolve, install (the one walk of the tree), then STAGES on the
tree's index (runtime-provided removal, slim, bytecode, RECORDs, native check, import check, zip), then
the cache entry's record, the inventory of the zip and the report."""

from __future__ import annotations

import os
import shutil
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

from layerbuild.build.cache import BuildCache, cache_key
from layerbuild.build.context import BuildContext, settings_for
from layerbuild.build.init_stage import TRACE_FILE, check_function_options, function_digest, trace_and_prune
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
from layerbuild.resolve.reuse import lock_for_build
from layerbuild.resolve.runtime_provided import runtime_provided_closure
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
    Stage("native-check", "every binary loads on the target, as the audit judges", check_native),
    Stage("import-check", "every top-level module imports, failures matched to removals", check_imports),
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


def _warn_about_limits(report: LayerReport, max_unzipped: int | None = None) -> None:
    """A layer Lambda cannot take is still written (it may be split later), but never silently."""
    from layerbuild.facts.limits import MAX_DIRECT_UPLOAD_ZIPPED_BYTES, MAX_UNZIPPED_BYTES
    from layerbuild.util.units import human_bytes

    inv = report.inventory
    limit = MAX_UNZIPPED_BYTES if max_unzipped is None else max_unzipped
    what = "Lambda's limit of" if max_unzipped is None else "the --max-unzipped budget of"
    if inv.unzipped_bytes > limit:
        biggest = ", ".join(f"{d.name} {human_bytes(d.unzipped_bytes)}" for d in inv.distributions[:3])
        hint = "; --bytecode only is smaller" if report.bytecode_mode == "alongside" else ""
        warn(
            f"{report.layer_path} is {human_bytes(inv.unzipped_bytes)} unzipped, over {what} "
            f"{limit:,} bytes for a function and all its layers (biggest: {biggest}): "
            f"split it with `layerbuild plan`, or leave packages out{hint}"
        )
    elif inv.zip_file_bytes > MAX_DIRECT_UPLOAD_ZIPPED_BYTES:
        warn(
            f"{report.layer_path} is {human_bytes(inv.zip_file_bytes)} zipped: publishing it needs an S3 bucket "
            "(layerbuild publish --s3-bucket)"
        )


def _warn_about_runtime_sdk(report: LayerReport, memo: Path) -> None:
    """One line per package that replaces, on Lambda's sys.path, a dependency of the runtime's boto3/botocore
    with a version the SDK does not accept (runtime_sdk.py; the audit reports it as LB403)."""
    from layerbuild.measure.runtime_sdk import shadow_warnings
    from layerbuild.model.inventory import UNOWNED

    if report.target is None:
        return
    layer = {d.name: d.version for d in report.inventory.distributions if d.name != UNOWNED}
    for line in shadow_warnings(layer, report.target, memo):
        warn(line)


def _refuse_empty_layer(path: Path, lock: Lock, drop: frozenset[str], target: Target) -> None:
    """A layer with no package in it is a mistake, never a 22-byte zip and exit 0."""
    if lock.names() - drop:
        return
    where = f"{target.runtime} {target.arch}"
    if not lock.pins:
        raise InputError(
            f"no requirement in {path} applies to {where} (their markers exclude it): "
            "the layer would be empty; check the markers or the --runtime"
        )
    listed = sorted(p.name for p in lock.pins if p.direct) or sorted(lock.names())
    raise InputError(
        f"everything {path} lists ({', '.join(listed)}) is provided by the {target.runtime} runtime, "
        "so the layer would be empty: pass --keep-runtime-packages to ship your own version"
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
        lock = lock_for_build(reqs, target, ttl=options.resolution_ttl_seconds(), refresh=options.refresh)
    drop = frozenset() if options.keep_runtime_packages else runtime_provided_closure(lock, RUNTIME_PROVIDED)
    _refuse_empty_layer(reqs.path, lock, drop, target)
    cache = cache or BuildCache(shared=shared)
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
    cached = entry is not None
    from layerbuild.util.trash import sweep_trash

    sweep_trash(cache.root / "tmp")  # a staging tree a killed build was still deleting (util/trash.py)
    if entry is None:
        from layerbuild.install import installer_for

        work = cache.staging()
        try:
            record = assemble(BuildContext(settings, lock, drop, installer_for(options), work))
            entry = cache.commit(key, work, record)
        finally:
            shutil.rmtree(work, ignore_errors=True)
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
    _warn_about_limits(report, settings.max_unzipped)
    _warn_about_runtime_sdk(report, entry.zip_path.parent / "sdk-warnings.json")
    write_report_json(report, report_out)
    return BuildResult(zip_out, report_out, lock, cached, report)


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
