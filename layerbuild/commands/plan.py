"""`layerbuild plan`: which packages go in which layer for many functions, within Lambda's limits."""

from __future__ import annotations

import click

from layerbuild.commands.options import config_option, target_options


@click.command()
@config_option
@click.option(
    "--sam",
    "sam_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Read the functions from this SAM template instead of the config's functions tables.",
)
@target_options
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", help="Output format.")
def plan(
    config_path: str | None,
    sam_path: str | None,
    runtime: str | None,
    arch: str | None,
    fmt: str,
) -> None:
    """Plan shared and per-function layers for the functions of a config file or SAM template."""
    from layerbuild.plan.algorithm import plan_layers
    from layerbuild.plan.inputs import gather_needs, load_specs

    specs, options = load_specs(config_path, sam_path, {"runtime": runtime, "arch": arch})
    gathered = gather_needs(specs, options)
    result = plan_layers(gathered.needs, prefix=f"{options.name}-" if options.name else "")
    if fmt == "json":
        import json

        from layerbuild.plan.plan_file import plan_dict

        click.echo(json.dumps(plan_dict(result), indent=2))
    else:
        from layerbuild.report.formats.plan_table import render_plan_table

        click.echo(render_plan_table(result), nl=False)
