"""What a build container gets from the user's environment: index, proxy and CA settings (values may hold
tokens: never printed), and the read-only mounts that make the CA bundle and local wheel folders visible.

pip in the image reads only `PIP_*`: the uv settings a uv user has are translated. Local find-links
folders and `name @ file://…` pins are mounted at the same path, so the lock's index options work
unchanged inside.
"""

from __future__ import annotations

import os
from pathlib import Path

from layerbuild.model.lock import Lock

CA_PATH = "/layerbuild-ca/ca.pem"
# Every PIP_* setting goes in (index, timeouts, retries…) except those naming this machine's paths or
# changing where pip installs, which would break the build in the image.
_PIP_ENV_KEPT_OUT = (
    "PIP_CERT",
    "PIP_CLIENT_CERT",
    "PIP_CONFIG_FILE",
    "PIP_TARGET",
    "PIP_PREFIX",
    "PIP_ROOT",
    "PIP_USER",
    "PIP_REQUIRE_VIRTUALENV",
    "PIP_CACHE_DIR",
    "PIP_SRC",
    "PIP_LOG",
    "PIP_BUILD",
    "PIP_NO_BINARY",
    "PIP_ONLY_BINARY",
    "PIP_REQUIRE_HASHES",
    "PIP_BREAK_SYSTEM_PACKAGES",
)
_PASS_ENV = (
    "UV_INDEX_URL",
    "UV_EXTRA_INDEX_URL",
    "UV_DEFAULT_INDEX",
    "UV_INDEX",
    "UV_FIND_LINKS",
    "UV_NO_INDEX",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "SOURCE_DATE_EPOCH",
)
_CA_ENV = ("PIP_CERT", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE")


def _find_links_paths(args: tuple[str, ...]) -> list[str]:
    paths = []
    for i, arg in enumerate(args):
        if arg == "--find-links" and i + 1 < len(args):
            paths.append(args[i + 1])
    return paths


def _local_path(value: str) -> Path | None:
    """A local folder or file named by a find-links value or a pin's source, or None for URLs."""
    if value.startswith("file://"):
        value = value[len("file://") :]
    elif "://" in value:
        return None
    path = Path(value).expanduser()
    return path.resolve() if path.exists() else None


def container_index_args(args: tuple[str, ...]) -> list[str]:
    """The lock's index options for pip in the container: local find-links become absolute paths
    (mounted at the same place)."""
    out = list(args)
    for i, arg in enumerate(out[:-1]):
        if arg == "--find-links":
            local = _local_path(out[i + 1])
            if local is not None:
                out[i + 1] = str(local)
    return out


def pass_through(lock: Lock) -> tuple[dict[str, str], dict[str, str]]:
    """Environment and read-only mounts (host path -> container path) that give the container the user's
    index, proxy and CA bundle."""
    env = {k: os.environ[k] for k in _PASS_ENV if os.environ.get(k)}
    env.update({k: v for k, v in os.environ.items() if k.startswith("PIP_") and k not in _PIP_ENV_KEPT_OUT and v})
    if "PIP_INDEX_URL" not in env:
        for name in ("UV_DEFAULT_INDEX", "UV_INDEX_URL"):
            if env.get(name):
                env["PIP_INDEX_URL"] = env[name]
                break
    if "PIP_EXTRA_INDEX_URL" not in env:
        extra = env.get("UV_EXTRA_INDEX_URL", "").split()
        # UV_INDEX holds `[name=]url` items.
        extra += [
            item.split("=", 1)[1] if "=" in item.split("://")[0] else item for item in env.get("UV_INDEX", "").split()
        ]
        if extra:
            env["PIP_EXTRA_INDEX_URL"] = " ".join(extra)
    if "PIP_FIND_LINKS" not in env and env.get("UV_FIND_LINKS"):
        env["PIP_FIND_LINKS"] = env["UV_FIND_LINKS"]
    if "PIP_NO_INDEX" not in env and env.get("UV_NO_INDEX"):
        env["PIP_NO_INDEX"] = env["UV_NO_INDEX"]
    env.update(
        {
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "PIP_NO_INPUT": "1",
            "PIP_ROOT_USER_ACTION": "ignore",
            "PIP_PROGRESS_BAR": "off",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    mounts: dict[str, str] = {}
    for name in _CA_ENV:
        value = os.environ.get(name)
        if value and Path(value).is_file():
            mounts[str(Path(value).resolve())] = CA_PATH
            env.update({k: CA_PATH for k in _CA_ENV})
            break
    # Local wheel folders and files (find-links, `name @ file://…` pins) are seen at the same path.
    local = [*_find_links_paths(lock.index_args), *env.get("PIP_FIND_LINKS", "").split()]
    local += [p.source for p in lock.pins if p.source]
    for value in local:
        path = _local_path(value)
        if path is not None:
            mounts[str(path if path.is_dir() else path.parent)] = str(path if path.is_dir() else path.parent)
    return env, mounts
