"""`layerbuild lock --format pylock`: a lock as a target-specific PEP 751 `pylock.toml`.

One `environments` marker names the target (Linux, its machine, its Python); each package lists the one
wheel the install takes (url + sha256: the wheel the runtime accepts that ranks first in its tag order,
among the lock's hashes — for Amazon Linux 2 the lock's own `wheel_urls`), or its sdist when the package is
built from source, or its directory/archive for a local project. pip and uv install it as it is.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from layerbuild import __version__
from layerbuild.errors import ResolutionError
from layerbuild.model.lock import Lock, Pin
from layerbuild.util.redact import redact_url


def pylock_text(lock: Lock) -> str:
    target = lock.target
    files = _index_files(lock)
    wheel_urls = dict(lock.wheel_urls)
    env = (
        f"sys_platform == 'linux' and platform_machine == '{target.machine}' "
        f"and python_version == '{target.python_version}'"
    )
    out = [
        f"# PEP 751 lock for {target.describe()}, written by layerbuild {__version__}",
        "# (`layerbuild lock --format pylock`); install with `uv pip install -r pylock.toml`.",
        'lock-version = "1.0"',
        f"environments = [{_s(env)}]",
        f"requires-python = {_s(f'=={target.python_version}.*')}",
        'created-by = "layerbuild"',
    ]
    for pin in sorted(lock.pins, key=lambda p: p.name):
        out += ["", "[[packages]]", f"name = {_s(pin.name)}"]
        if pin.version:
            out.append(f"version = {_s(pin.version)}")
        if pin.markers:
            out.append(f"marker = {_s(pin.markers)}")
        out.extend(_files(pin, lock, files.get(pin.name, {}), wheel_urls.get(pin.name)))
    return "\n".join(out) + "\n"


def _files(pin: Pin, lock: Lock, offered: dict[str, Any], wheel_url: str | None) -> list[str]:
    from layerbuild.resolve.target_wheels import Offered, OfferedWheel, best_wheel

    if pin.source:
        path = pin.source.removeprefix("file://")
        if pin.source.startswith("file://") and Path(path).is_dir():
            return [f"directory = {{ path = {_s(path)} }}"]
        return [f"archive = {{ url = {_s(pin.source)} }}"]
    if pin.name in lock.build_from_source:
        sdist = offered.get("sdist")
        if not sdist or not sdist.get("url"):
            raise ResolutionError(f"{pin.name}=={pin.version} is built from source but the index lists no sdist of it")
        return [f"sdist = {_file(sdist['url'], sdist['hashes']['sha256'])}"]
    if wheel_url:
        url, _, fragment = wheel_url.partition("#sha256=")
        return [f"wheels = [{_file(url, fragment)}]"]
    wheels = tuple(
        OfferedWheel(w.get("name") or w["url"].rsplit("/", 1)[-1], (w.get("hashes") or {}).get("sha256"), w.get("url"))
        for w in offered.get("wheels", ())
    )
    best = best_wheel(Offered(pin.name, pin.version, wheels, False), lock.target, pin.hashes)
    if best is None or not best.url or not best.sha256:
        raise ResolutionError(
            f"{pin.name}=={pin.version}: the index lists no wheel with the lock's hashes for {lock.target.describe()}"
        )
    return [f"wheels = [{_file(best.url, best.sha256)}]"]


def _file(url: str, sha256: str) -> str:
    name = redact_url(url).rsplit("/", 1)[-1].split("#")[0]
    return f"{{ name = {_s(name)}, url = {_s(url)}, hashes = {{ sha256 = {_s(sha256)} }} }}"


def _s(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _index_files(lock: Lock) -> dict[str, dict[str, Any]]:
    """{name: uv's pylock package table} for the lock's index pins at their locked versions (no resolving:
    `--no-deps` over exact pins, uv's cache first)."""
    from layerbuild.resolve.locked import locked_files_pylock

    pins = [p for p in lock.pins if p.version and not p.source]
    if not pins:
        return {}
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # Python 3.10
        import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]
    data = tomllib.loads(locked_files_pylock(pins, lock.target, lock.index_args))
    from layerbuild.facts.pep503 import canonicalize_name

    return {canonicalize_name(p["name"]): p for p in data.get("packages", [])}
