"""`layerbuild prune`: delete old layer versions, keeping the newest N and any a function still uses."""

from __future__ import annotations

import json

import click


@click.command()
@click.argument("layer_name", metavar="NAME")
@click.option("--keep", type=int, required=True, help="How many of the newest versions to keep (at least 1).")
@click.option(
    "--region",
    "regions",
    multiple=True,
    help="Region to prune in; repeat for several [default: AWS_REGION or the profile's].",
)
@click.option("--profile", default=None, help="AWS profile [default: AWS_PROFILE or boto3's usual chain].")
@click.option("--dry-run", is_flag=True, help="Say what would be deleted; delete nothing.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", help="Output on stdout.")
def prune(
    layer_name: str,
    keep: int,
    regions: tuple[str, ...],
    profile: str | None,
    dry_run: bool,
    fmt: str,
) -> None:
    """Delete old versions of layer NAME; a version a function in that region uses is always kept."""
    from layerbuild.aws.prune import PruneOptions, prune_layer
    from layerbuild.aws.session import AwsSettings, default_region

    aws = AwsSettings(profile=profile)
    if not regions:
        region = default_region(aws)
        regions = (region,) if region else ()
    results = prune_layer(layer_name, PruneOptions(regions=tuple(regions), keep=keep, dry_run=dry_run, aws=aws))
    if fmt == "json":
        click.echo(
            json.dumps(
                {region: [f.as_json() for f in fates] for region, fates in results.items()}, indent=2, sort_keys=True
            )
        )
        return
    deleted_word = "would delete" if dry_run else "deleted"
    for region, fates in results.items():
        if not fates:
            click.echo(f"{region}: layer {layer_name} has no versions")
        for fate in fates:
            action = deleted_word if fate.deleted else "kept"
            click.echo(f"{region}  {layer_name}:{fate.version}  {action}  ({fate.reason})")
