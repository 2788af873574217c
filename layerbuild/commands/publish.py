"""`layerbuild publish`: publish layer zips as Lambda layer versions, only when their content changed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from layerbuild.commands.options import config_option, target_options

if TYPE_CHECKING:
    from layerbuild.aws.publish.jobs import Published

# Keys of [tool.layerbuild.publish] (used with --config); flags win over them.
PUBLISH_KEYS = (
    "regions",
    "s3_bucket",
    "s3_prefix",
    "description",
    "license_info",
    "principals",
    "organization_id",
    "public",
    "ssm_parameter",
    "profile",
)


@click.command()
@click.argument("zip_path", metavar="ZIP", type=click.Path(dir_okay=False), required=False)
@click.option("--layer-name", default=None, help="Lambda layer name [default: the zip's name before -pythonX.Y].")
@click.option(
    "--region",
    "regions",
    multiple=True,
    help="Region to publish to; repeat for several [default: AWS_REGION or the profile's].",
)
@target_options
@config_option
@click.option(
    "--plan",
    "plan_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="The plan.json written by `layerbuild build --config` [default: OUTPUT/plan.json].",
)
@click.option(
    "--from",
    "from_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Publish the layer zips separate CI jobs built, downloaded here with their report JSON; a zip "
    "whose sha256 is not what its job reported is refused (docs/ci-fan-out.md).",
)
@click.option(
    "--s3-bucket",
    default=None,
    help="Upload through this bucket (needed over 50 MB zipped). '{region}' is replaced by the region.",
)
@click.option("--s3-prefix", default=None, help="Key prefix in the bucket.")
@click.option("--description", default=None, help="Layer version description.")
@click.option("--license-info", default=None, help="Layer version license (SPDX id or URL).")
@click.option("--principal", "principals", multiple=True, help="AWS account id allowed to use the layer; repeatable.")
@click.option("--organization-id", default=None, help="Allow every account of this AWS organization (o-…).")
@click.option("--public", is_flag=True, default=None, help="Allow every AWS account to use the layer.")
@click.option(
    "--ssm-parameter",
    default=None,
    help="Write each region's latest ARN to this SSM parameter ('{layer}' is replaced by the layer name).",
)
@click.option("--profile", default=None, help="AWS profile [default: AWS_PROFILE or boto3's usual chain].")
@click.option("--dry-run", is_flag=True, help="Say what would be published; write nothing.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", help="Output on stdout.")
def publish(
    zip_path: str | None,
    layer_name: str | None,
    regions: tuple[str, ...],
    runtime: str | None,
    arch: str | None,
    config_path: str | None,
    plan_path: str | None,
    from_dir: str | None,
    s3_bucket: str | None,
    s3_prefix: str | None,
    description: str | None,
    license_info: str | None,
    principals: tuple[str, ...],
    organization_id: str | None,
    public: bool | None,
    ssm_parameter: str | None,
    profile: str | None,
    dry_run: bool,
    fmt: str,
) -> None:
    """Publish ZIP (or every layer of the build plan with --config) to one or more regions.

    Unchanged content (Lambda's CodeSha256 of the newest version equals the zip's) is not published again:
    the existing version's ARN is reported.
    """
    from layerbuild.aws.publish.jobs import LayerJob, PublishOptions, compatibility_for, read_layer_zip
    from layerbuild.aws.publish.run import publish_layers
    from layerbuild.aws.session import AwsSettings, default_region
    from layerbuild.errors import InputError
    from layerbuild.model.names import layer_name_of_zip
    from layerbuild.plan.plan_file import PlannedZip, read_plan_file

    flags = {
        "regions": regions,
        "s3_bucket": s3_bucket,
        "s3_prefix": s3_prefix,
        "description": description,
        "license_info": license_info,
        "principals": principals,
        "organization_id": organization_id,
        "public": public,
        "ssm_parameter": ssm_parameter,
        "profile": profile,
    }
    settings: dict[str, Any] = {}
    if from_dir:
        from layerbuild.aws.publish.artifacts import zips_from_artifacts

        if zip_path or plan_path or layer_name:
            raise InputError("--from DIR publishes the zips under DIR: pass no ZIP, --plan or --layer-name with it")
        if config_path:
            settings = _plan_and_settings(config_path, None)[1]  # [publish] settings; the zips come from DIR
        entries = zips_from_artifacts(Path(from_dir))
    elif config_path or plan_path:
        if zip_path:
            raise InputError("pass either ZIP or --config/--plan, not both")
        if layer_name:
            raise InputError("--layer-name applies to one ZIP; with --config each layer keeps its plan name")
        plan, settings = _plan_and_settings(config_path, plan_path)
        entries = read_plan_file(plan)
    else:
        if not zip_path:
            raise InputError(
                "name a layer zip: layerbuild publish dist/api-python3.12-x86_64.zip --layer-name api "
                "--region eu-west-1 (or --config FILE for every layer of the plan)"
            )
        entries = [PlannedZip(layer_name or layer_name_of_zip(Path(zip_path).name), Path(zip_path), None, None)]
    for key, value in flags.items():
        if value not in (None, ()):
            settings[key] = value
    aws = AwsSettings(profile=settings.get("profile"))
    region_list = tuple(settings.get("regions") or ())
    if not region_list:
        region = default_region(aws)
        region_list = (region,) if region else ()
    jobs = []
    for name, path, plan_runtime, plan_arch in entries:
        layer = read_layer_zip(path)
        jobs.append(LayerJob(name, layer, compatibility_for(layer, runtime or plan_runtime, arch or plan_arch)))
    options = PublishOptions(
        regions=region_list,
        s3_bucket=settings.get("s3_bucket"),
        s3_prefix=settings.get("s3_prefix") or "",
        description=settings.get("description"),
        license_info=settings.get("license_info"),
        principals=tuple(settings.get("principals") or ()),
        organization_id=settings.get("organization_id"),
        public=bool(settings.get("public")),
        ssm_parameter=settings.get("ssm_parameter"),
        dry_run=dry_run,
        aws=aws,
    )
    results = publish_layers(jobs, options)
    several = len(jobs) > 1 or bool(config_path or plan_path or from_dir)
    if fmt == "json":
        out: dict[str, Any] = {}
        for p in results:
            (out.setdefault(p.layer_name, {}) if several else out)[p.region] = p.as_json()
        click.echo(json.dumps(out, indent=2, sort_keys=True))
    else:
        click.echo(_table(results), nl=False)


def _plan_and_settings(config_path: str | None, plan_path: str | None) -> tuple[Path, dict[str, Any]]:
    """The plan file (--plan, else the config's output folder) and [tool.layerbuild.publish] settings."""
    from layerbuild.config import merge_build_options, section

    options, table = merge_build_options({}, Path(config_path) if config_path else None)
    settings = section(table, "publish", PUBLISH_KEYS, config_path)
    if isinstance(settings.get("regions"), str):
        settings["regions"] = [settings["regions"]]
    from layerbuild.plan.plan_file import PLAN_FILE

    plan = Path(plan_path) if plan_path else Path(options.output) / PLAN_FILE
    return plan, settings


def _table(results: list[Published]) -> str:
    """One line per (region, layer), never wrapped, on a terminal and in a pipe alike (greppable)."""
    from layerbuild.util.terminal import columns

    rows = [["region", "layer", "version", "status", "arn"]]
    for p in results:
        if p.dry_run and not p.skipped:
            status = p.reason
        else:
            status = "unchanged" if p.skipped else f"published ({p.reason})"
        rows.append([p.region, p.layer_name, "-" if p.version is None else str(p.version), status, p.arn or "-"])
    return "".join(line + "\n" for line in columns(rows))
