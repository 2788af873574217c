"""boto3 sessions and retries, shared by `publish`, `prune` and the audit's CloudWatch metrics.

boto3 is used as the user configured it: profiles (`--profile` or AWS_PROFILE), AWS_REGION /
AWS_DEFAULT_REGION, AWS_ENDPOINT_URL (or `endpoint_url` in the profile) for a compatible endpoint.
boto3 and botocore are imported inside the functions: the CLI starts without them.

Retries: botocore's **standard** mode. It retries throttling (TooManyRequestsException,
ThrottlingException, HTTP 429), transient 5xx and connection errors with exponential backoff and full
jitter (a random wait up to 2^attempt seconds, capped at 20 s). Attempts count the first call. We do not use **adaptive** mode: its
extra piece is a client-side rate limiter that learns a sending rate from a sustained stream of calls
to one client; we make a handful of calls per region, one client per region, so there is nothing for it
to learn, and botocore still calls it experimental. We raise the attempts from 3 to
`DEFAULT_MAX_ATTEMPTS` because a publish is a few calls that are worth waiting for, not a hot loop.
A user's own AWS_RETRY_MODE / AWS_MAX_ATTEMPTS (environment or profile) win over our defaults.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from layerbuild.errors import InputError

DEFAULT_RETRY_MODE = "standard"
DEFAULT_MAX_ATTEMPTS = 8


@dataclass(frozen=True)
class AwsSettings:
    """How to reach AWS: an optional profile (else boto3's usual chain)."""

    profile: str | None = None


def _session(settings: AwsSettings, region: str | None = None) -> Any:  # a boto3 Session
    import boto3
    import botocore.exceptions

    try:
        return boto3.session.Session(profile_name=settings.profile, region_name=region)
    except botocore.exceptions.ProfileNotFound:
        raise InputError(
            f"AWS profile {settings.profile or os.environ.get('AWS_PROFILE')!r} is not configured: "
            "check --profile / AWS_PROFILE and ~/.aws/config"
        ) from None


def default_region(settings: AwsSettings) -> str | None:
    """The region boto3 would use: AWS_REGION, AWS_DEFAULT_REGION or the profile's `region`."""
    region: str | None = _session(settings).region_name
    return region


def retry_config(scoped: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """botocore's `retries` setting: the user's mode/attempts if configured, else ours (see module doc)."""
    environ: Mapping[str, str] = os.environ if env is None else env
    scoped = scoped or {}
    mode = environ.get("AWS_RETRY_MODE") or scoped.get("retry_mode") or DEFAULT_RETRY_MODE
    given = environ.get("AWS_MAX_ATTEMPTS") or scoped.get("max_attempts") or DEFAULT_MAX_ATTEMPTS
    try:
        attempts = int(given)
    except ValueError:
        raise InputError(f"AWS_MAX_ATTEMPTS must be a number, not {given!r}") from None
    # AWS_MAX_ATTEMPTS counts the first call too: that is botocore's `total_max_attempts`
    # (its `max_attempts` key would count retries only, one more than the user asked for).
    return {"mode": mode, "total_max_attempts": attempts}


class Clients:
    """boto3 clients for one command, made once per (service, region) from one session.

    Clients are thread-safe, sessions are not: clients are made under a lock (cheap once the session has
    loaded the service model) and then used from the region threads. Measured here: a Lambda client from
    a fresh session costs ~0.27 s (loading the service model), from the shared session ~0.04 s.
    """

    def __init__(self, settings: AwsSettings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._session: Any = None  # a boto3 Session, made on first use
        self._clients: dict[tuple[str, str], Any] = {}

    def get(self, service: str, region: str) -> Any:
        """The boto3 client of `service` in `region` (untyped: boto3 ships no types)."""
        from botocore.config import Config

        with self._lock:
            if self._session is None:
                self._session = _session(self.settings)
            key = (service, region)
            if key not in self._clients:
                scoped = self._session._session.get_scoped_config()  # the profile's retry_mode / max_attempts
                config = Config(
                    retries=retry_config(scoped), connect_timeout=10, read_timeout=300, user_agent_extra="layerbuild"
                )
                self._clients[key] = self._session.client(service, region_name=region, config=config)
            return self._clients[key]
