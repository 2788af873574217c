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
@click.option(
    "--write-template",
    "write_template",
    type=click.Path(dir_okay=False),
    default=None,
    metavar="OUT.yaml",
    help="With --sam, after `layerbuild build --sam`: write a copy of the template with the planned layers "
    "as AWS::Serverless::LayerVersion resources and each function wired to them (docs/sam.md).",
)
@click.option(
    "-o", "--output", default=None, help="Where `layerbuild build` wrote the layers and plan.json [default: dist/]."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "github-matrix"]),
    default="table",
    help="Output format; github-matrix: the JSON of a GitHub Actions strategy.matrix, one entry per layer "
    "(docs/ci-fan-out.md).",
)
def plan(
    config_path: str | None,
    sam_path: str | None,
    runtime: str | None,
    arch: str | None,
    write_template: str | None,
    output: str | None,
    fmt: str,
) -> None:
    """Plan shared and per-function layers for the functions of a config file or SAM template."""
    from layerbuild.plan.algorithm import plan_layers
    from layerbuild.plan.inputs import gather_needs, load_specs

    if write_template and not sam_path:
        from layerbuild.errors import InputError

        raise InputError("--write-template writes a SAM template: pass --sam template.yaml too")
    if write_template and sam_path:
        from pathlib import Path

        from layerbuild.integrations.sam_template import check_template

        check_template(Path(sam_path), Path(write_template))  # before any resolution
    specs, options = load_specs(config_path, sam_path, {"runtime": runtime, "arch": arch, "output": output})
    gathered = gather_needs(specs, options)
    result = plan_layers(gathered.needs, prefix=f"{options.name}-" if options.name else "")
    if write_template and sam_path:
        from layerbuild.integrations.built_plan import built_zips
        from layerbuild.integrations.sam_template import write_template as write_sam_template
        from layerbuild.plan.plan_file import PLAN_FILE

        built = built_zips(result, Path(options.output) / PLAN_FILE, f"layerbuild build --sam {sam_path}")
        written = write_sam_template(Path(sam_path), Path(write_template), result, built, specs)
        click.echo(f"template: {written.template} ({len(written.layers)} layers)", err=True)
    if fmt == "github-matrix":
        import json

        from layerbuild.plan.matrix import github_matrix

        click.echo(json.dumps(github_matrix(result)))
    elif fmt == "json":
        import json

        from layerbuild.plan.plan_file import plan_dict

        click.echo(json.dumps(plan_dict(result), indent=2))
    else:
        from layerbuild.report.formats.plan_table import render_plan_table

        click.echo(render_plan_table(result), nl=False)
