"""Phase 2, where to find it: each region's newest ARN in an SSM parameter (written only when it changed)."""

from __future__ import annotations

from layerbuild.aws.session import Clients
from layerbuild.util.progress import note


def write_ssm(region: str, name: str, arn: str, clients: Clients) -> None:
    ssm = clients.get("ssm", region)
    try:
        if ssm.get_parameter(Name=name)["Parameter"]["Value"] == arn:
            return
    except ssm.exceptions.ParameterNotFound:
        pass
    ssm.put_parameter(Name=name, Value=arn, Type="String", Overwrite=True)
    note(f"{region}: {name} = {arn}")
