"""Reuse a recent resolution of the same input for the same target and index settings, for a bounded time.

An unchanged rebuild from a requirements file (or a pyproject.toml without a lock) would otherwise run
`uv pip compile` again, which asks the index whether anything changed: most of an unchanged rebuild's
time. A resolution is kept for `DEFAULT_TTL_SECONDS` (10 minutes): that is how long PyPI lets any client
reuse a project's index page without asking again (`Cache-Control: max-age=600, public` on /simple/, which
uv honours too), so within the bound we answer what uv would have answered from its own HTTP cache.
`--resolution-ttl SECONDS` (config `resolution-ttl`, `LAYERBUILD_RESOLUTION_TTL`) changes it, 0 turns
reuse off; `--refresh` resolves again (and asks uv to revalidate its cache).

The key is a sha256 over everything that can change uv's answer:
- every file read (the requirements file and each one it includes with -r/-c, decoded; the manifest a
  pyproject's requirement lines came from, as bytes), the normalized
  lines uv gets, the constraints, pip's per-file options (--pre, --no-binary, --only-binary), and a digest
  of every local project's sources (a pyproject.toml's new dependency is a new resolution);
- the target (runtime, arch, Python version, uv's platform, glibc);
- every index setting: the file's and the manifest's index options, every `UV_*` and `PIP_*` variable
  except those that only change where or how quietly uv works (`_NOT_ANSWER`), uv's config files
  (UV_CONFIG_FILE, the uv.toml/pyproject.toml uv would find from this folder, the user's and the system's
  uv.toml), and the netrc file;
- the uv binary (path, size, mtime) and the layerbuild version.
Secrets (an index URL with a token) never reach a file in clear: the key is a hash, and in the stored
lock every URL's `user:token@` is replaced by a salted hash of it, restored on reading from the current
settings, which hold the same credentials (they are part of the key). Entries are written atomically
(temporary file, then rename) under the cache folder's `resolutions/`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from layerbuild import __version__
from layerbuild.model.lock import Lock, Pin
from layerbuild.model.target import Target
from layerbuild.resolve.requirements import RequirementsInput

DEFAULT_TTL_SECONDS = 600  # PyPI's max-age for /simple/ pages, see the module docstring
_FORMAT = "layerbuild-resolution-1"
# Variables uv reads that change where it keeps its cache, how long it waits or how much it prints, but never
# which versions it picks: a build offline on a warm cache reuses the resolution of the same build online.
_NOT_ANSWER = frozenset(
    {
        "UV_CACHE_DIR",
        "UV_NO_CACHE",
        "UV_OFFLINE",
        "UV_NO_PROGRESS",
        "UV_CONCURRENT_DOWNLOADS",
        "UV_CONCURRENT_BUILDS",
        "UV_CONCURRENT_INSTALLS",
        "UV_HTTP_TIMEOUT",
        "UV_REQUEST_TIMEOUT",
        "UV_HTTP_RETRIES",
        "UV_LINK_MODE",
        "UV_COLOR",
        "UV_LOG_CONTEXT",
        "UV_PYTHON_DOWNLOADS",
        "PIP_CERT",
        "PIP_NO_COLOR",
        "PIP_PROGRESS_BAR",
        "PIP_DISABLE_PIP_VERSION_CHECK",
        "PIP_ROOT_USER_ACTION",
        "PIP_NO_INPUT",
        "PIP_TIMEOUT",
        "PIP_RETRIES",
        "PIP_CACHE_DIR",
        "PIP_NO_CACHE_DIR",
    }
)
_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<userinfo>[^/@\s:\"]*(?::[^/@\s\"]*)?)@")
_SEALED = re.compile(r"\{layerbuild-secret:(?P<digest>[0-9a-f]{64})\}")


def _file_digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _uv_config_files(environ: dict[str, str]) -> list[Path]:
    """The config files uv may read for `uv pip compile` run from this folder (conservatively: more is only
    a missed reuse, never a wrong one)."""
    if environ.get("UV_NO_CONFIG"):
        return []
    files = []
    if environ.get("UV_CONFIG_FILE"):
        files.append(Path(environ["UV_CONFIG_FILE"]))
    here = Path.cwd()
    for folder in (here, *here.parents):
        files += [folder / "uv.toml", folder / "pyproject.toml"]
    user = environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    files.append(Path(user) / "uv" / "uv.toml")
    for system in (environ.get("XDG_CONFIG_DIRS") or "/etc/xdg").split(":"):
        files.append(Path(system) / "uv" / "uv.toml")
    files += [Path("/etc/uv/uv.toml"), Path(environ.get("NETRC") or Path.home() / ".netrc")]
    return files


def resolution_key(reqs: RequirementsInput, target: Target, environ: dict[str, str] | None = None) -> str:
    """The key of a resolution of `reqs` for `target` with this machine's index settings (module docstring)."""
    from layerbuild.resolve.local_projects import tree_digest
    from layerbuild.util.uvtool import uv_binary

    env = dict(os.environ if environ is None else environ)
    uv = uv_binary()
    try:
        st = os.stat(uv)
        uv_id = f"{os.path.realpath(uv)}:{st.st_size}:{st.st_mtime_ns}"
    except OSError:
        uv_id = uv
    local = sorted(str(p.path) for p in reqs.local)
    parts: dict[str, Any] = {
        "format": _FORMAT,
        "layerbuild": __version__,
        "uv": uv_id,
        "target": [target.runtime, target.arch, target.python_version, target.uv_platform, target.glibc_str],
        "kind": reqs.kind,
        # the manifest's own bytes too (a pyproject.toml's [tool.uv] sources are not in its requirement lines)
        "source": _file_digest(reqs.source) if reqs.source else None,
        "texts": list(reqs.texts),
        "uv_lines": list(reqs.uv_lines),
        "uv_constraints": list(reqs.uv_constraints),
        "index_args": list(reqs.index_args),
        "no_binary": sorted(reqs.no_binary),
        "only_binary": sorted(reqs.only_binary),
        "pre": reqs.pre,
        "source_builds": sorted(reqs.source_builds),
        "local": local,
        "local_sources": tree_digest([Path(p) for p in local]) if local else None,
        "env": sorted((k, v) for k, v in env.items() if k.startswith(("UV_", "PIP_")) and k not in _NOT_ANSWER),
        "config_files": [(str(f), _file_digest(f)) for f in _uv_config_files(env) if f.is_file()],
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def _store_dir() -> Path:
    from layerbuild.util.cachedir import cache_root

    return cache_root() / "resolutions"


def _entry(key: str) -> Path:
    return _store_dir() / key[:2] / f"{key}.json"


def _known_userinfo(reqs: RequirementsInput, environ: dict[str, str], key: str) -> dict[str, str]:
    """sealed digest -> the JSON-escaped `user:token` of every URL credential the current settings hold."""
    texts = [*reqs.index_args, *reqs.uv_lines, *reqs.uv_constraints, *reqs.texts]
    texts += [v for k, v in environ.items() if k.startswith(("UV_", "PIP_"))]
    for file in _uv_config_files(environ):
        try:
            texts.append(file.read_text(encoding="utf-8", errors="replace"))
        except OSError:
            continue
    found = {}
    for text in texts:
        for m in _USERINFO.finditer(text):
            escaped = json.dumps(m["userinfo"])[1:-1]
            found[_seal_digest(key, escaped)] = escaped
    return found


def _seal_digest(key: str, userinfo: str) -> str:
    return hashlib.sha256(f"{key}\0{userinfo}".encode()).hexdigest()


def _seal(text: str, key: str) -> str:
    def sealed(m: re.Match[str]) -> str:
        return m["scheme"] + "{layerbuild-secret:" + _seal_digest(key, m["userinfo"]) + "}@"

    return _USERINFO.sub(sealed, text)


def _unseal(text: str, known: dict[str, str]) -> str | None:
    missing = False

    def restored(m: re.Match[str]) -> str:
        nonlocal missing
        value = known.get(m["digest"])
        if value is None:
            missing = True
            return ""
        return value

    text = _SEALED.sub(restored, text)
    return None if missing else text


def load(
    reqs: RequirementsInput, target: Target, key: str, ttl: int, environ: dict[str, str] | None = None
) -> tuple[Lock, float] | None:
    """The lock stored under `key` and its age in seconds, when it is younger than `ttl`; else None."""
    if ttl <= 0:
        return None
    try:
        text = _entry(key).read_text(encoding="utf-8")
        stored = json.loads(text)
        age = time.time() - float(stored["created"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not 0 <= age < ttl or stored.get("format") != _FORMAT:
        return None
    env = dict(os.environ if environ is None else environ)
    body = _unseal(json.dumps(stored["lock"]), _known_userinfo(reqs, env, key))
    if body is None:  # a credential the settings no longer hold (cannot happen with the same key)
        return None
    try:
        data = json.loads(body)
        pins = tuple(
            Pin(**{**p, "hashes": tuple(p["hashes"]), "required_by": tuple(p["required_by"])}) for p in data["pins"]
        )
        lock = Lock(
            target=target,
            pins=pins,
            build_from_source=tuple(data["build_from_source"]),
            index_args=reqs.index_args,
            wheel_urls=tuple((str(n), str(u)) for n, u in data["wheel_urls"]),
        )
    except (KeyError, TypeError, ValueError):
        return None
    return lock, age


def store(key: str, lock: Lock) -> None:
    """Remember `lock` as the resolution for `key`, written atomically; a cache that cannot be written only
    costs a resolution next time."""
    body = {
        "pins": [asdict(p) for p in lock.pins],
        "build_from_source": list(lock.build_from_source),
        "wheel_urls": [list(item) for item in lock.wheel_urls],
    }
    sealed = json.loads(_seal(json.dumps(body), key))
    text = json.dumps({"format": _FORMAT, "created": time.time(), "lock": sealed}, sort_keys=True)
    from layerbuild.util.atomic import keep_cache_text

    keep_cache_text(_entry(key), text)


def lock_for_build(reqs: RequirementsInput, target: Target, *, ttl: int, refresh: bool = False) -> Lock:
    """The lock a build uses: a lock file as it is; else a resolution of the same input younger than `ttl`
    seconds; else a new one (with `refresh`, always a new one, uv revalidating its cache), remembered."""
    from layerbuild.resolve.resolver import lock_requirements

    if reqs.all_hashed_pins:  # a lock is read, never resolved: nothing to reuse
        return lock_requirements(reqs, target)
    key, found = reusable(reqs, target, ttl=ttl, refresh=refresh)
    return found if found is not None else resolve_and_remember(reqs, target, key, ttl=ttl, refresh=refresh)


def reusable(reqs: RequirementsInput, target: Target, *, ttl: int, refresh: bool) -> tuple[str, Lock | None]:
    """(the resolution's key, the remembered resolution under it when younger than `ttl` seconds and not
    `refresh`, said on stderr, else None)."""
    key = resolution_key(reqs, target)
    found = None if refresh else load(reqs, target, key, ttl)
    if found is None:
        return key, None
    from layerbuild.util.progress import note

    note(f"layerbuild: reusing the resolution of {found[1]:.0f} s ago (--refresh resolves again)")
    return key, found[0]


def resolve_and_remember(reqs: RequirementsInput, target: Target, key: str, *, ttl: int, refresh: bool) -> Lock:
    """A new resolution (with `refresh`, uv revalidating its cache), remembered under `key` when `ttl`."""
    from dataclasses import replace

    from layerbuild.resolve.resolver import lock_requirements

    lock = lock_requirements(replace(reqs, refresh=True) if refresh else reqs, target)
    if ttl > 0:
        store(key, lock)
    return lock
