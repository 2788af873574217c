"""Keep secrets out of everything we print or write: index credentials and AWS keys."""

from __future__ import annotations

import os
import re

_URL_CREDENTIALS = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<userinfo>[^/@\s:]*(?::[^/@\s]*)?)@")
# Environment variables whose values are secrets wherever they appear.
_SECRET_ENV = (
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_ACCESS_KEY_ID",
    "UV_INDEX_PASSWORD",
    "PIP_PASSWORD",
    "TWINE_PASSWORD",
    "GITHUB_TOKEN",
)
_SECRET_ENV_SUFFIXES = ("_TOKEN", "_PASSWORD", "_SECRET", "_SECRET_ACCESS_KEY")


def redact_url(text: str) -> str:
    """`https://user:token@host/simple` -> `https://****@host/simple` (anywhere in `text`)."""
    return _URL_CREDENTIALS.sub(lambda m: m.group("scheme") + "****@", text)


def _secret_values() -> list[str]:
    values = []
    for key, value in os.environ.items():
        if key in _SECRET_ENV or key.endswith(_SECRET_ENV_SUFFIXES):
            if value and len(value) >= 6:
                values.append(value)
    # Credentials embedded in index URLs from the environment, also when they appear on their own.
    for key in (
        "PIP_INDEX_URL",
        "PIP_EXTRA_INDEX_URL",
        "UV_INDEX_URL",
        "UV_EXTRA_INDEX_URL",
        "UV_INDEX",
        "UV_DEFAULT_INDEX",
    ):
        for m in _URL_CREDENTIALS.finditer(os.environ.get(key, "")):
            for part in m.group("userinfo").split(":"):
                if len(part) >= 6:
                    values.append(part)
    return sorted(set(values), key=len, reverse=True)


def redact(text: str, extra_secrets: tuple[str, ...] = ()) -> str:
    """Remove URL credentials, secret environment values and `extra_secrets` from `text`."""
    text = redact_url(text)
    for value in list(extra_secrets) + _secret_values():
        if value and len(value) >= 4:
            text = text.replace(value, "****")
    return text
