"""The Docker engine: a client that answers within seconds or one line saying how to start one, the
network a build container joins, and Docker's names for Lambda's architectures.

The docker SDK is imported only here and in the other modules of this package, and only when a container
is needed: `layerbuild --help` and wheel-only builds never load it.
"""

from __future__ import annotations

import os
from typing import Any

from layerbuild.errors import DockerUnavailable
from layerbuild.util.redact import redact

PING_TIMEOUT = 5.0  # seconds: with no engine, fail fast instead of hanging
WORK_TIMEOUT = 4 * 3600.0  # seconds: one exec (a long compile) may be silent for minutes
DOCKER_HELP = "start Docker (https://docs.docker.com/engine/install/) or point DOCKER_HOST at an engine"
# docker's name for each Lambda architecture
DOCKER_ARCH = {"x86_64": "amd64", "arm64": "arm64"}


def engine_client(purpose: str) -> Any:
    """A docker client for a reachable engine, or `DockerUnavailable` within a few seconds. `purpose` is
    the first half of the "no engine" message: why Docker is needed. The caller closes the client."""
    try:
        import docker
        from docker.errors import DockerException
    except ImportError:
        raise DockerUnavailable(
            f"{purpose}, and the docker package (a dependency of layerbuild) is not "
            "installed: reinstall layerbuild (pip install layerbuild)"
        ) from None
    host = os.environ.get("DOCKER_HOST") or "the default socket (unix:///var/run/docker.sock)"
    try:
        probe = docker.from_env(timeout=PING_TIMEOUT)
        probe.ping()
        version = probe.api.api_version
        probe.close()
        return docker.from_env(timeout=WORK_TIMEOUT, version=version)
    except (DockerException, OSError) as exc:
        reason = short_reason(exc)
        raise DockerUnavailable(
            f"{purpose}, but no Docker engine answers at {redact(host)} ({reason}): {DOCKER_HELP}"
        ) from None
    except Exception as exc:  # noqa: BLE001 - requests' own errors (timeouts, bad URLs) are all "no engine"
        raise DockerUnavailable(
            f"{purpose}, but no Docker engine answers at {redact(host)} ({type(exc).__name__}): {DOCKER_HELP}"
        ) from None


def short_reason(exc: BaseException) -> str:
    """Why the engine refused, in a few words (the docker SDK's messages run over several lines)."""
    text = str(exc)
    for marker in (
        "Connection refused",
        "No such file or directory",
        "timed out",
        "Permission denied",
        "Name or service not known",
    ):
        if marker in text:
            return marker.lower()
    return redact(text.splitlines()[0][:120]) if text else type(exc).__name__


def default_network(client: Any) -> str | None:
    """The engine's default network, or host networking where the engine has no bridge (as on our CI)."""
    try:
        if client.networks.list(names=["bridge"]):
            return None
    except Exception:  # noqa: BLE001 - older engines: keep docker's default
        return None
    return "host"
