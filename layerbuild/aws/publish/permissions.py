"""Phase 2, who may use the version: one statement per account, organization or the public, each with
a fixed statement id so that running the same command again adds nothing."""

from __future__ import annotations

import json
from typing import Any

from layerbuild.aws.publish.jobs import PublishOptions


def statements(options: PublishOptions) -> list[dict[str, str]]:
    """The layer-version permissions asked for, each with a fixed statement id so re-runs add nothing."""
    wanted = [{"StatementId": f"layerbuild-account-{p}", "Principal": p} for p in options.principals]
    if options.organization_id:
        wanted.append(
            {
                "StatementId": f"layerbuild-org-{options.organization_id}",
                "Principal": "*",
                "OrganizationId": options.organization_id,
            }
        )
    if options.public:
        wanted.append({"StatementId": "layerbuild-public", "Principal": "*"})
    return wanted


def ensure_permissions(lam: Any, name: str, version: int, options: PublishOptions) -> None:
    wanted = statements(options)
    if not wanted:
        return
    existing: set[str] = set()
    try:
        policy = json.loads(lam.get_layer_version_policy(LayerName=name, VersionNumber=version)["Policy"])
        existing = {s.get("Sid") for s in policy.get("Statement", [])}
    except lam.exceptions.ResourceNotFoundException:
        pass  # no policy yet
    for statement in wanted:
        if statement["StatementId"] not in existing:
            lam.add_layer_version_permission(
                LayerName=name, VersionNumber=version, Action="lambda:GetLayerVersion", **statement
            )
