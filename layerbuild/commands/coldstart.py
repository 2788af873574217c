"""`layerbuild coldstart`: the function's init as Lambda runs it, per memory size, under Lambda's CPU share."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from layerbuild.commands.options import handler_options, target_options

if TYPE_CHECKING:
    from layerbuild.model.handler_init import HandlerInit

F = TypeVar("F", bound=Callable[..., Any])


def init_options(f: F) -> F:
    """What `coldstart`, `report` and `audit` share to measure a handler's init."""
    f = click.option(
        "--init-timeout",
        type=click.FloatRange(1, 3600),
        default=60.0,
        show_default=True,
        metavar="SECONDS",
        help="Kill an init that runs longer (a module that hangs at import), and say so.",
    )(f)
    f = click.option(
        "--event",
        "event",
        type=click.Path(dir_okay=False),
        default=None,
        metavar="FILE",
        help="Invoke the handler once with this JSON event after init; the first invoke is reported apart.",
    )(f)
    return f


def measure_from_flags(
    *,
    code: str | None,
    handler: str,
    layers: tuple[str, ...],
    runtime: str | None,
    arch: str | None,
    memory: str | tuple[int, ...] | None,
    runs: int,
    event: str | None,
    init_timeout: float,
) -> HandlerInit:
    """Check the flags, then measure (one line and exit 2 on bad input, no traceback)."""
    from pathlib import Path

    from layerbuild.errors import InputError
    from layerbuild.measure.cost_model import parse_memory_list
    from layerbuild.measure.init.handler_init import check_handler_string, measure_handler_init
    from layerbuild.model.target import DEFAULT_ARCH, DEFAULT_RUNTIME, Target, parse_target_from_name
    from layerbuild.util.progress import note

    check_handler_string(handler)
    sizes = memory if isinstance(memory, tuple) else parse_memory_list(memory)
    if code is not None and not Path(code).exists():
        raise InputError(f"--code {code} does not exist: pass the function's folder or its deployment zip")
    for layer in layers:
        if not Path(layer).exists():
            raise InputError(f"--layer {layer} does not exist: pass a layer zip or its folder")
    named = next((t for t in (parse_target_from_name(Path(p).name) for p in layers) if t), None)
    target = Target(
        runtime or (named.runtime if named else DEFAULT_RUNTIME), arch or (named.arch if named else DEFAULT_ARCH)
    )
    return measure_handler_init(
        code=code,
        handler=handler,
        layers=layers,
        target=target,
        memory_sizes=sizes,
        runs=runs,
        event=Path(event) if event else None,
        timeout=init_timeout,
        progress=note,
    )


@click.command()
@handler_options
@click.option(
    "--layer",
    "layers",
    multiple=True,
    metavar="ZIP",
    help="A layer zip or folder, in the function's order. Repeatable.",
)
@target_options
@click.option("--memory", default=None, metavar="MB,MB,…", help="Memory sizes [default: 128,256,512,1024,1769,3008].")
@click.option(
    "--runs",
    type=click.IntRange(1, 50),
    default=5,
    show_default=True,
    help="Fresh-interpreter runs per memory size; the median is reported.",
)
@click.option("--format", "fmt", type=click.Choice(("table", "json", "markdown")), default="table", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None, help="Write here instead of stdout.")
@click.option(
    "--sam",
    "sam",
    type=click.Path(dir_okay=False),
    default=None,
    metavar="TEMPLATE",
    help="Take the function's CodeUri, Handler, Runtime, Architectures and MemorySize from a SAM template.",
)
@click.option(
    "--function",
    "function",
    default=None,
    metavar="NAME",
    help="With --sam: the function's logical ID [default: the only one].",
)
@click.option(
    "--plan",
    "plan",
    type=click.Path(dir_okay=False),
    default=None,
    metavar="PLAN_JSON",
    help="With --sam: the layers `build --sam` built for the function (its plan.json), before any --layer.",
)
@init_options
def coldstart(
    code: str | None,
    handler: str | None,
    layers: tuple[str, ...],
    runtime: str | None,
    arch: str | None,
    memory: str | None,
    runs: int,
    fmt: str,
    output: str | None,
    event: str | None,
    init_timeout: float,
    sam: str | None,
    function: str | None,
    plan: str | None,
) -> None:
    """Measure the handler's init as Lambda runs it, per memory size, under Lambda's CPU share.

    Each run is a fresh interpreter of the runtime's Python with Lambda's sys.path, environment and
    read-only code and layers; see docs/coldstart.md.
    """  # fmt: skip
    from layerbuild.errors import InputError

    if sam:  # the template names the function; flags still win
        from pathlib import Path

        from layerbuild.plan.function_init import planned_layers, sam_function

        fn = sam_function(Path(sam), function)
        code, handler = code or str(fn.code), handler or fn.handler
        runtime, arch = runtime or fn.runtime, arch or fn.arch
        memory = memory or (str(fn.memory) if fn.memory else None)
        if plan:
            layers = (*(str(p) for p in planned_layers(Path(plan), fn.name)), *layers)
    elif function or plan:
        raise InputError("--function and --plan name a function of a SAM template: pass --sam TEMPLATE too")
    if not handler:
        raise InputError("coldstart needs --handler MODULE.FUNCTION (and --code DIR_OR_ZIP with the module)")
    result = measure_from_flags(
        code=code, handler=handler, layers=layers, runtime=runtime, arch=arch, memory=memory, runs=runs,
        event=event, init_timeout=init_timeout,
    )  # fmt: skip
    from layerbuild.report.formats.coldstart import init_dict, init_markdown, init_table

    if fmt == "json":
        import json

        text = json.dumps(init_dict(result), indent=2) + "\n"
    elif fmt == "markdown":
        text = init_markdown(result)
    else:
        text = init_table(result)
    if output:
        from pathlib import Path

        from layerbuild.util.atomic import write_text_output

        write_text_output(Path(output), text)
        click.echo(f"init ({fmt}): {output}", err=True)
    else:
        click.echo(text, nl=False)
