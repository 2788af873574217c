"""Both phases over every region: inspect all (nothing written), then publish all; a region failing in
phase 2 makes the command fail with one line naming what was done in every region."""

from __future__ import annotations

from layerbuild.aws.errors import explained
from layerbuild.aws.publish.inspect import Decision, inspect_region
from layerbuild.aws.publish.jobs import LayerJob, Published, PublishOptions, check_request, ssm_name
from layerbuild.aws.publish.permissions import ensure_permissions
from layerbuild.aws.publish.ssm import write_ssm
from layerbuild.aws.publish.upload import publish_version
from layerbuild.aws.regions import first_unexpected, in_every_region
from layerbuild.aws.session import Clients
from layerbuild.errors import LayerbuildError
from layerbuild.util.progress import note


class PublishFailed(LayerbuildError):
    """Some regions failed; the message names what was done elsewhere (never reported as success)."""


class _RegionFailed(Exception):
    def __init__(self, region: str, done: list[Published], error: LayerbuildError) -> None:
        super().__init__(str(error))
        self.region, self.done, self.error = region, done, error


def _publish_region(
    region: str, decisions: list[Decision], options: PublishOptions, clients: Clients
) -> list[Published]:
    done: list[Published] = []
    try:
        with explained(region, "connecting"):
            lam = clients.get("lambda", region)
        for decision in decisions:
            job = decision.job
            if decision.unchanged:
                result = Published(
                    region,
                    job.name,
                    decision.latest_arn,
                    decision.latest_version,
                    True,
                    job.layer.code_sha256,
                    "unchanged",
                )
                note(f"{region}: {job.name} unchanged, version {decision.latest_version}")
            else:
                with explained(region, f"publishing layer {job.name}"):
                    result = publish_version(lam, decision, options, clients)
            done.append(result)
            assert result.version is not None and result.arn is not None
            with explained(region, f"adding permissions to {job.name} version {result.version}"):
                ensure_permissions(lam, job.name, result.version, options)
            if name := ssm_name(job, options):
                with explained(region, f"writing SSM parameter {name}"):
                    write_ssm(region, name, result.arn, clients)
    except LayerbuildError as exc:
        raise _RegionFailed(region, done, exc) from None
    return done


def publish_layers(jobs: list[LayerJob], options: PublishOptions) -> list[Published]:
    """Publish each job's zip to every region where its content changed. Raises before writing if it can."""
    check_request(jobs, options)
    clients = Clients(options.aws)

    def inspect(region: str) -> list[Decision]:
        with explained(region, "reading the layer's versions"):
            return inspect_region(region, jobs, options, clients)

    decisions, failures = in_every_region(options.regions, inspect)
    if failures:
        # Nothing has been written anywhere yet: report the first failure (in region order).
        raise next(iter(failures.values()))
    if options.dry_run:
        return [_would_publish(d) for region in options.regions for d in decisions[region]]
    published, failures = in_every_region(
        options.regions, lambda region: _publish_region(region, decisions[region], options, clients)
    )
    unexpected = first_unexpected(failures, _RegionFailed)
    if unexpected is not None:
        raise unexpected
    if failures:
        raise PublishFailed(_partial_message(options.regions, published, failures))
    return [p for region in options.regions for p in published[region]]


def _would_publish(d: Decision) -> Published:
    return Published(
        d.region,
        d.job.name,
        d.latest_arn if d.unchanged else None,
        d.latest_version if d.unchanged else None,
        d.unchanged,
        d.job.layer.code_sha256,
        d.reason if d.unchanged else f"would publish: {d.reason}",
        dry_run=True,
    )


def _partial_message(
    regions: tuple[str, ...], published: dict[str, list[Published]], failures: dict[str, Exception]
) -> str:
    failed_regions = {region: exc for region, exc in failures.items() if isinstance(exc, _RegionFailed)}
    failed = "; ".join(str(failed_regions[region].error) for region in regions if region in failed_regions)
    done = []
    for region in regions:
        items = published.get(region) or (failed_regions[region].done if region in failed_regions else [])
        if items:
            done.append(
                f"{region} ("
                + ", ".join(f"{p.layer_name}:{p.version}" + (" unchanged" if p.skipped else "") for p in items)
                + ")"
            )
    succeeded = ", ".join(done) if done else "none"
    return f"publish failed — {failed} — done so far: {succeeded}; fix the cause and run the same command again"
