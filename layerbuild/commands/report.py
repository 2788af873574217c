"""`layerbuild report`: sizes and cold-start cost of every dependency in a zip or folder."""

from __future__ import annotations

import click

from layerbuild.commands.coldstart import init_options
from layerbuild.commands.options import handler_options
from layerbuild.facts.runtimes import ARCHITECTURES, RUNTIMES

FORMAT_NAMES = ("table", "json", "markdown", "html")


@click.command()
@click.argument("path", metavar="ZIP_OR_DIR", type=click.Path())
@click.option(
    "--runtime",
    type=click.Choice(list(RUNTIMES)),
    default=None,
    help="Lambda runtime [default: from the zip's name, else the wheels' tags].",
)
@click.option(
    "--arch",
    type=click.Choice(list(ARCHITECTURES)),
    default=None,
    help="Lambda architecture [default: from the zip's name, else the wheels' tags].",
)
@click.option("--format", "fmt", type=click.Choice(FORMAT_NAMES), default="table", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None, help="Write here instead of stdout.")
@click.option(
    "--memory",
    default=None,
    metavar="MB,MB,…",
    help="Memory sizes to estimate the cold start for [default: 128,256,512,1024,1769,3008].",
)
@click.option(
    "--runs",
    type=click.IntRange(1, 50),
    default=5,
    show_default=True,
    help="Fresh-interpreter runs per package; the median is reported.",
)
@click.option(
    "--measure/--no-measure",
    default=True,
    show_default=True,
    help="Import every package in a fresh interpreter of the target's Python (runs the layer's code).",
)
@handler_options
@init_options
def report(
    path: str,
    runtime: str | None,
    arch: str | None,
    fmt: str,
    output: str | None,
    memory: str | None,
    runs: int,
    measure: bool,
    code: str | None,
    handler: str | None,
    event: str | None,
    init_timeout: float,
) -> None:
    """Show what each dependency in ZIP_OR_DIR costs: bytes, import time and cold-start price.

    ZIP_OR_DIR is a layer zip, a function zip or a folder, built by layerbuild or not.
    """
    from pathlib import Path

    from layerbuild.measure.cost_model import parse_memory_list
    from layerbuild.report import get_format
    from layerbuild.report.assemble import report_for_path
    from layerbuild.util.progress import step

    sizes = parse_memory_list(memory)  # bad input fails before any work
    if handler:
        from layerbuild.measure.init.handler_init import check_handler_string

        check_handler_string(handler)
    renderer = get_format(fmt)
    if output and fmt == "table":
        from layerbuild.report.formats.table import TableFormat

        renderer = TableFormat(terminal=False)  # a file gets one line per row, whatever stdout is
    with step(f"Measuring {path}" + (" (imports)" if measure else "")):
        result = report_for_path(Path(path), runtime=runtime, arch=arch, measure=measure, memory_mb=sizes, runs=runs)
    if handler:  # the handler's init with ZIP_OR_DIR as its layer (docs/coldstart.md)
        from dataclasses import replace

        from layerbuild.commands.coldstart import measure_from_flags

        same = code is not None and Path(code).resolve() == Path(path).resolve()
        if code is None and result.kind == "function":  # a function zip is its own code
            code, same = path, True
        target = result.target
        init = measure_from_flags(
            code=code, handler=handler, layers=() if same else (path,), memory=sizes, runs=runs, event=event,
            runtime=runtime or (target.runtime if target else None), arch=arch or (target.arch if target else None),
            init_timeout=init_timeout,
        )  # fmt: skip
        result = replace(result, handler_init=init)
    elif code:
        from layerbuild.errors import InputError

        raise InputError("--code needs --handler MODULE.FUNCTION to measure the handler's init")
    text = renderer.render(result)
    special = result.inventory.skipped_special
    if special and (fmt != "table" or output):  # the table says so itself
        from layerbuild.report.formats.table import skipped_special_note
        from layerbuild.util.progress import note

        note(f"layerbuild: {skipped_special_note(special)}")
    if output:
        from layerbuild.util.atomic import write_text_output

        dest = Path(output)
        write_text_output(dest, text)
        click.echo(f"report ({fmt}): {dest}", err=True)
    else:
        click.echo(text, nl=False)
