"""`layerbuild build`: a Lambda layer zip and its report from a requirements file."""

from __future__ import annotations

from pathlib import Path

import click

from layerbuild.commands.options import config_option, fan_out_options, handler_options, project_options, target_options
from layerbuild.config import BACKENDS, BYTECODE_MODES, COMPRESSION_LEVELS, PRUNE_MODES, SLIM_PROFILES


@click.command()
@click.argument("source", type=click.Path(), required=False)
@target_options
@config_option
@project_options
@click.option("-o", "--output", default=None, help="Output folder [default: dist/].")
@click.option("--name", default=None, help="Layer name [default: the manifest's folder name].")
@click.option(
    "--backend",
    type=click.Choice(BACKENDS),
    default=None,
    help="wheels: never Docker; container: build in a Lambda build image; auto: wheels where they exist.",
)
@click.option(
    "--image",
    default=None,
    help="Build image for the container backend [default: public.ecr.aws/sam/build-RUNTIME:latest-ARCH].",
)
@click.option(
    "--network",
    default=None,
    help="Docker network for the build container, e.g. host [default: the engine's bridge, else host].",
)
@click.option(
    "--slim",
    type=click.Choice(SLIM_PROFILES),
    default=None,
    help="safe: tests, caches, stubs, docs, build leftovers; aggressive: also headers and "
    "strip --strip-debug; none: keep all [default: safe]. Rules: docs/slim-rules.md.",
)
@click.option(
    "--keep",
    multiple=True,
    metavar="PKG:GLOB",
    help="Keep files of PKG matching GLOB (relative to python/) whatever the slim rules say. Repeatable.",
)
@click.option(
    "--drop",
    multiple=True,
    metavar="PKG:GLOB",
    help="Also remove files of PKG matching GLOB, e.g. numpy:numpy/f2py/**. Repeatable.",
)
@click.option(
    "--bytecode",
    type=click.Choice(BYTECODE_MODES),
    default=None,
    help="Ship .pyc compiled by a Python of the runtime's version for faster cold starts. alongside: "
    ".pyc next to each .py; only: no .py (smaller, but tracebacks lose source lines and "
    "inspect.getsource fails); init: .pyc only for the modules the handler's init and --event replays "
    "import (needs --code and --handler); auto: alongside when such a Python is found, else none "
    "[default: auto].",
)
@click.option(
    "--max-unzipped",
    default=None,
    metavar="SIZE",
    help="Unzipped bytes the layer may take, e.g. 200MB when the function's code needs the rest; "
    "--bytecode auto keeps a layer that fits without .pyc within it [default: Lambda's "
    "262,144,000 bytes for a function and all its layers].",
)
@click.option(
    "--verify/--no-verify",
    default=None,
    help="Check the layer after slimming: the audit's native checks (architecture, glibc, shared "
    "libraries Lambda lacks) and importing every top-level module; a failure fails the build "
    "(exit 1) [default: verify].",
)
@click.option(
    "--skip-import",
    multiple=True,
    metavar="MODULE",
    help="Leave MODULE (and the modules under it) out of the import check: for a module your code "
    "never imports on its own. Repeatable; config key skip-import.",
)
@click.option(
    "--keep-runtime-packages",
    is_flag=True,
    default=None,
    help="Keep boto3, botocore, s3transfer and jmespath, which the runtime already provides.",
)
@click.option(
    "--resolution-ttl",
    default=None,
    metavar="SECONDS",
    help="Reuse a resolution of the same input, target and index settings for this long, e.g. 600, 10m, 1h; "
    "0 never reuses [default: 10m, the time PyPI lets clients reuse an index page].",
)
@click.option(
    "--refresh",
    is_flag=True,
    default=None,
    help="Resolve again now (and have uv revalidate its cached index pages), whatever the resolution TTL.",
)
@click.option(
    "--measure-imports",
    is_flag=True,
    default=False,
    help="Also measure each package's import time and the cold-start cost per memory size, as "
    "`layerbuild report` does (runs the layer's code; adds seconds to minutes).",
)
@fan_out_options
@click.option(
    "--sam",
    "sam_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Build every layer `layerbuild plan --sam` plans for this SAM template's functions (docs/sam.md).",
)
@click.option(
    "--into",
    "into",
    type=click.Path(file_okay=False),
    default=None,
    help="Also unpack the layer (its python/ folder) into this folder, e.g. $(ARTIFACTS_DIR) in a SAM "
    "makefile build (docs/sam.md).",
)
@handler_options
@click.option(
    "--prune",
    type=click.Choice(PRUNE_MODES),
    default=None,
    help="unused: remove the layer files the handler's init and the --event replays never import or open, "
    "then replay on the pruned layer (a failing package is put back). Needs --code and --handler.",
)
@click.option(
    "--event",
    "events",
    multiple=True,
    metavar="FILE",
    help="An event to replay after init (JSON; globs such as tests/events/*.json are expanded), for "
    "--prune unused and --bytecode init. Repeatable.",
)
@click.option(
    "--function",
    "function",
    is_flag=True,
    default=False,
    help="Write a function zip instead of a layer: the --code folder at the root, the dependencies beside it.",
)
@click.option(
    "--compression",
    type=click.Choice(COMPRESSION_LEVELS),
    default=None,
    help="default: libdeflate level 6; max: level 12, about 3 % smaller and 15x slower to write, for "
    "release builds [default: default].",
)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", help="What to print on stdout when done."
)
def build(
    source: str | None,
    runtime: str | None,
    arch: str | None,
    config_path: str | None,
    extra: tuple[str, ...],
    group: tuple[str, ...],
    package: str | None,
    include_project: bool | None,
    check_lock: bool | None,
    output: str | None,
    name: str | None,
    backend: str | None,
    image: str | None,
    network: str | None,
    slim: str | None,
    keep: tuple[str, ...],
    drop: tuple[str, ...],
    bytecode: str | None,
    max_unzipped: str | None,
    verify: bool | None,
    skip_import: tuple[str, ...],
    keep_runtime_packages: bool | None,
    resolution_ttl: str | None,
    refresh: bool | None,
    measure_imports: bool,
    only: str | None,
    cache_url: str | None,
    sam_path: str | None,
    into: str | None,
    code: str | None,
    handler: str | None,
    prune: str | None,
    events: tuple[str, ...],
    function: bool,
    compression: str | None,
    fmt: str,
) -> None:
    """Build a Lambda layer from SOURCE: a requirements file, a project manifest or its folder.

    A manifest is pyproject.toml, uv.lock, poetry.lock, Pipfile.lock or pylock.toml; a folder's is found in
    the order the README's "Your project's manifest" gives (a lock beats its pyproject)."""
    from layerbuild.build.pipeline import build_layer
    from layerbuild.config import merge_build_options
    from layerbuild.errors import InputError
    from layerbuild.report import get_format

    flags = {
        "runtime": runtime,
        "arch": arch,
        "output": output,
        "name": name,
        "backend": backend,
        "slim": slim,
        "bytecode": bytecode,
        "image": image,
        "network": network,
        "keep_runtime_packages": keep_runtime_packages,
        "keep": keep,
        "drop": drop,
        "verify": verify,
        "max_unzipped": max_unzipped,
        "skip_import": skip_import,
        "extra": extra,
        "group": group,
        "package": package,
        "include_project": include_project,
        "check_lock": check_lock,
        "cache_url": cache_url,
        "code": code,
        "handler": handler,
        "prune": prune,
        "events": events,
        "resolution_ttl": resolution_ttl,
        "refresh": refresh,
        "compression": compression,
    }
    options, _ = merge_build_options(flags, Path(config_path) if config_path else None)
    if source and sam_path:
        raise InputError("name a requirements file or --sam template.yaml, not both")
    if function and not code:
        raise InputError("--function needs --code DIR: the function's code folder (what CodeUri names)")
    if (sam_path or (not source and config_path)) and (function or into):
        what = "--function" if function else "--into"
        raise InputError(f"{what} builds one requirements file: name it instead of --sam/--config")
    if only and (source or not (config_path or sam_path)):
        raise InputError("--only picks one layer of a plan: pass --config FILE (or --sam) and no requirements file")
    if not source and (config_path or sam_path):
        # No REQUIREMENTS: build every layer the config's (or template's) functions plan into (`layerbuild plan`).
        from layerbuild.commands.build_plan import build_plan

        return build_plan(config_path, sam_path, flags, only, fmt)
    if not source:
        raise InputError("name a requirements file, a project manifest or its folder: layerbuild build .")
    if function:
        from layerbuild.build.function_package import build_function

        result = build_function(source, options)
    else:
        result = build_layer(source, options)
    if into:
        from layerbuild.zip.unpack import unpack_layer

        unpack_layer(result.zip_path, Path(into))
    report = result.report
    if measure_imports:
        # Opt-in: a cached rebuild takes about a second, measuring imports takes seconds to minutes.
        from layerbuild.report.assemble import with_cold_start
        from layerbuild.report.sidecar import write_report_json

        report = with_cold_start(report, result.zip_path)
        write_report_json(report, result.report_path)
    click.echo(get_format(fmt).render(report), nl=False)
    click.echo(f"{'cached' if result.cached else 'built'}: {result.zip_path}  (report: {result.report_path})", err=True)
