"""Delete old versions of a layer, never one that a function in that region still uses.

"Uses" means: the layer version's ARN is in the `Layers` of any function version in the region
(`list_functions(FunctionVersion="ALL")`, so published function versions and aliases' targets count,
not only $LATEST). Functions in *other accounts* using a shared layer cannot be seen from here: prune
only layers you do not share, or keep enough versions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from layerbuild.aws.errors import explained
from layerbuild.aws.regions import check_regions, first_unexpected, in_every_region
from layerbuild.aws.session import AwsSettings, Clients
from layerbuild.errors import InputError, LayerbuildError
from layerbuild.util.progress import note


class PruneFailed(LayerbuildError):
    """A region failed; the message says what was deleted elsewhere."""


@dataclass(frozen=True)
class VersionFate:
    """What happens to one layer version, and why."""

    version: int
    arn: str
    deleted: bool
    reason: str

    def as_json(self) -> dict[str, Any]:
        return {"version": self.version, "arn": self.arn, "deleted": self.deleted, "reason": self.reason}


@dataclass(frozen=True)
class PruneOptions:
    regions: tuple[str, ...]
    keep: int
    dry_run: bool = False
    aws: AwsSettings = field(default_factory=AwsSettings)


def decide(versions: list[tuple[int, str]], keep: int, users: dict[str, list[str]]) -> list[VersionFate]:
    """Keep the newest `keep` versions and every version a function uses; delete the rest (newest first)."""
    fates = []
    for rank, (version, arn) in enumerate(sorted(versions, reverse=True)):
        if rank < keep:
            fates.append(VersionFate(version, arn, False, f"among the newest {keep}"))
        elif users.get(arn):
            fates.append(VersionFate(version, arn, False, "used by " + ", ".join(sorted(users[arn]))))
        else:
            fates.append(VersionFate(version, arn, True, "older than the newest kept and used by no function"))
    return fates


def _layer_users(lam: Any) -> dict[str, list[str]]:
    users: dict[str, list[str]] = {}
    for page in lam.get_paginator("list_functions").paginate(FunctionVersion="ALL"):
        for fn in page.get("Functions", []):
            label = (
                fn["FunctionName"]
                if fn.get("Version") in (None, "$LATEST")
                else f"{fn['FunctionName']}:{fn['Version']}"
            )
            for layer in fn.get("Layers") or []:
                users.setdefault(layer["Arn"], []).append(label)
    return users


def _prune_region(
    name: str, region: str, options: PruneOptions, clients: Clients, deleted: list[VersionFate]
) -> list[VersionFate]:
    lam = clients.get("lambda", region)
    versions = []
    for page in lam.get_paginator("list_layer_versions").paginate(LayerName=name):
        versions += [(v["Version"], v["LayerVersionArn"]) for v in page.get("LayerVersions", [])]
    # Read the functions after the versions: a version published meanwhile is newer, so it is kept anyway.
    fates = decide(versions, options.keep, _layer_users(lam))
    for fate in fates:
        if fate.deleted and not options.dry_run:
            lam.delete_layer_version(LayerName=name, VersionNumber=fate.version)
            deleted.append(fate)
            note(f"{region}: deleted {name} version {fate.version}")
    return fates


def prune_layer(name: str, options: PruneOptions) -> dict[str, list[VersionFate]]:
    """Per region, the fate of every version of layer `name`, newest first."""
    if options.keep < 1:
        raise InputError("--keep must be at least 1: the newest version is always kept")
    check_regions(options.regions)
    deleted: dict[str, list[VersionFate]] = {region: [] for region in options.regions}
    clients = Clients(options.aws)

    def work(region: str) -> list[VersionFate]:
        with explained(region, f"pruning layer {name}"):
            return _prune_region(name, region, options, clients, deleted[region])

    results, failures = in_every_region(options.regions, work)
    if failures:
        unexpected = first_unexpected(failures, LayerbuildError)
        if unexpected is not None:
            raise unexpected
        raise PruneFailed(_partial_message(options.regions, deleted, failures))
    return results


def _partial_message(
    regions: tuple[str, ...], deleted: dict[str, list[VersionFate]], failures: dict[str, Exception]
) -> str:
    done = (
        ", ".join(
            f"{region} (deleted {', '.join(str(f.version) for f in deleted[region]) or 'none'})"
            for region in regions
            if region not in failures
        )
        or "none"
    )
    partial = "; ".join(
        f"{region} deleted {', '.join(str(f.version) for f in deleted[region])} before failing"
        for region in failures
        if deleted[region]
    )
    return (
        "prune failed — "
        + "; ".join(str(e) for e in failures.values())
        + f" — finished: {done}"
        + (f"; {partial}" if partial else "")
    )
