"""`layerbuild audit`: check a layer, function package or requirements file against budgets and rules."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from layerbuild.commands.audit_init import init_gate_options, init_request
from layerbuild.commands.options import PROJECT_FLAGS, code_option, config_option, project_options, target_options

if TYPE_CHECKING:
    from layerbuild.audit.findings import AuditResult

FORMAT_NAMES = ("table", "json", "markdown", "github", "sarif", "junit")


@click.command()
@click.argument("target", type=click.Path())
@target_options
@config_option
@project_options
@click.option(
    "--max-unzipped",
    default=None,
    help="Budget for unzipped bytes (function + layers) [default: 250 MiB, Lambda's limit].",
)
@click.option(
    "--max-zipped", default=None, help="Budget for the zip's size [default: 50 MiB, the direct-upload limit]."
)
@click.option(
    "--max-package", multiple=True, metavar="NAME=SIZE", help="Budget for one package, e.g. numpy=40MB (repeatable)."
)
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False),
    default=None,
    help="A previous report.json (build, report or audit --format json): show growth per package.",
)
@click.option(
    "--max-growth", default=None, help="Fail when the total grows more than this since --baseline: 10% or 5MB."
)
@click.option(
    "--layer",
    "layers",
    multiple=True,
    type=click.Path(),
    help="A layer zip the function also uses (repeatable): checks duplicates, the 5-layer limit and the combined size.",
)
@click.option(
    "--handler",
    "handlers",
    multiple=True,
    metavar="FILE[:FUNCTION]",
    help="The handler's source file, checked for SDK clients created inside the handler (repeatable); with "
    "--code, MODULE.FUNCTION as Lambda names it: its init is measured too (docs/coldstart.md).",
)
@code_option
@init_gate_options
@click.option("--ignore", multiple=True, metavar="RULE", help="Skip a rule by id or name, e.g. LB202 (repeatable).")
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "info"]),
    default=None,
    help="Exit 1 when a finding is at this severity or above [default: error].",
)
@click.option("--format", "fmt", type=click.Choice(FORMAT_NAMES), default="table", help="Output format.")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), default=None, help="Write the output here instead of stdout."
)
@click.option(
    "--cloudwatch-namespace",
    default=None,
    help="Also put the sizes as CloudWatch metrics in this namespace (needs boto3 and credentials).",
)
def audit(
    target: str,
    runtime: str | None,
    arch: str | None,
    config_path: str | None,
    extra: tuple[str, ...],
    group: tuple[str, ...],
    package: str | None,
    include_project: bool | None,
    check_lock: bool | None,
    max_unzipped: str | None,
    max_zipped: str | None,
    max_package: tuple[str, ...],
    baseline: str | None,
    max_growth: str | None,
    layers: tuple[str, ...],
    handlers: tuple[str, ...],
    ignore: tuple[str, ...],
    fail_on: str | None,
    fmt: str,
    output: str | None,
    cloudwatch_namespace: str | None,
    code: str | None,
    memory: int,
    runs: int,
    max_init_ms: str | None,
    max_init_growth: str | None,
    max_init_share: str | None,
    event: str | None,
    init_timeout: float,
) -> None:
    """Audit TARGET — a layer zip, a function zip, a folder, or a requirements file or project (built first).

    A project is a manifest (pyproject.toml, a lock) or a folder holding one that is not a layer's.

    Exit codes: 0 clean, 1 findings at or above --fail-on, 2 bad input.
    """
    from layerbuild.audit.formats import get_format
    from layerbuild.audit.run import audit_package, is_requirements_file
    from layerbuild.audit.settings import settings_from
    from layerbuild.config import load_config_file
    from layerbuild.errors import FindingsError, InputError
    from layerbuild.util.progress import note

    path = Path(target)
    if not path.exists():
        raise InputError(f"{target} does not exist: name a layer zip, a function zip, a folder or a requirements file")
    for layer in layers:
        if not Path(layer).is_file():
            raise InputError(f"--layer {layer}: not a file: name a layer zip")
    if baseline and not Path(baseline).is_file():
        raise InputError(f"--baseline {baseline} does not exist: pass the report.json of a previous build")
    table, cfg_path = load_config_file(Path(config_path) if config_path else None)
    settings = settings_from(
        {
            "max_unzipped": max_unzipped,
            "max_zipped": max_zipped,
            "max_package": max_package,
            "max_growth": max_growth,
            "fail_on": fail_on,
            "ignore": ignore,
            "max_init_ms": max_init_ms,
            "max_init_growth": max_init_growth,
            "max_init_share": max_init_share,
        },
        table.get("audit"),
        cfg_path,
    )
    if max_growth and not baseline:
        raise InputError("--max-growth needs --baseline: pass the report.json to compare with")
    init, handlers = init_request(code, handlers, memory, runs, event, init_timeout, settings, baseline)
    formatter = get_format(fmt)  # checked before a long build
    if output and fmt == "table":
        from layerbuild.audit.formats.table import TableFormat

        formatter = TableFormat(terminal=False)  # a file gets one line per finding, whatever stdout is
    run = partial(
        audit_package,
        settings=settings,
        layers=tuple(Path(x) for x in layers),
        handlers=tuple(handlers),
        baseline=Path(baseline) if baseline else None,
        init=init,
    )
    project = dict(zip(PROJECT_FLAGS, (extra, group, package, include_project, check_lock), strict=True))
    if is_requirements_file(path) or _is_project(path):
        result = _audit_requirements(path, runtime, arch, config_path, run, project)
    else:
        result = _audit_package(path, runtime, arch, run)

    text = formatter.render(result)
    if output:
        from layerbuild.util.atomic import write_text_output

        write_text_output(Path(output), text)
    else:
        sys.stdout.write(text)
    summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary_file:
        # GitHub shows this Markdown on the run's summary page, whatever format the log gets.
        md = text if fmt == "markdown" else get_format("markdown").render(result)
        with open(summary_file, "a", encoding="utf-8") as fh:
            fh.write(md)
    if cloudwatch_namespace:
        from layerbuild.audit.cloudwatch import put_size_metrics

        put_size_metrics(result, cloudwatch_namespace)
    from layerbuild.audit.formats.interface import summary_line, target_line

    note(f"target: {target_line(result)}" + (f"; report written to {output}" if output else ""))
    if result.exit_code:
        failing = result.failing
        rules = sorted({f"{f.rule} {f.name}" for f in failing})
        raise FindingsError(f"{len(failing)} finding(s) at or above {settings.fail_on}: {', '.join(rules)}")
    if fmt != "table" or output:  # the table on stdout already ends with this line
        note(summary_line(result))


def _is_project(path: Path) -> bool:
    """A project manifest, or a folder holding one (not a built layer's `python/` folder)."""
    from layerbuild.resolve.inputs import DISCOVERY_ORDER, find_manifest

    if path.is_file():
        return find_manifest(path)[0] != "requirements"
    manifests = [n for n in DISCOVERY_ORDER if n != "requirements.txt" and (path / n).is_file()]
    return bool(manifests) and not (path / "python").is_dir()


def _audit_requirements(
    path: Path,
    runtime: str | None,
    arch: str | None,
    config_path: str | None,
    run: Callable[..., AuditResult],
    project: dict[str, Any],
) -> AuditResult:
    """Build the requirements file as `layerbuild build` would (in a temporary folder), then audit the zip."""
    import tempfile
    from dataclasses import replace

    from layerbuild.build.pipeline import build_layer
    from layerbuild.config import merge_build_options
    from layerbuild.model.target import Target

    with tempfile.TemporaryDirectory(prefix="layerbuild-audit-") as tmp:
        options, _ = merge_build_options(
            {"runtime": runtime, "arch": arch, "output": tmp, **project}, Path(config_path) if config_path else None
        )
        built = build_layer(path, options)
        sources = sorted({options.sources.get("runtime", "default"), options.sources.get("arch", "default")})
        result = run(
            built.zip_path,
            target=built.report.target or Target(options.runtime, options.arch),
            target_source=f"build options ({', '.join(sources)})",
            display_path=str(path),
            kind="layer",
        )
        return replace(result, kind="requirements", built_zip=built.zip_path.name)


def _audit_package(path: Path, runtime: str | None, arch: str | None, run: Callable[..., AuditResult]) -> AuditResult:
    """Audit a zip or folder for the target its flags, name or wheels' tags say."""
    from layerbuild.measure.target_detect import detect_target
    from layerbuild.util.progress import note

    target, source = detect_target(path, runtime, arch)
    result = run(path, target=target, target_source=source)
    if result.inventory.skipped_special:
        from layerbuild.report.formats.table import skipped_special_note

        note(f"layerbuild: {skipped_special_note(result.inventory.skipped_special)}")
    if target is None:
        note(
            "layerbuild: no target found in the flags, the name or the wheels' tags: pass --runtime and "
            "--arch to check native code and bytecode"
        )
    return result
