"""What the lock readers (poetry.lock, Pipfile.lock, pylock.toml) share: TOML/JSON loading that fails in
one line, and the locked lines themselves (the marker environment is `model.target.marker_environment`).

A reader knows the runtime's Python but not the machine, so it selects packages once per Lambda machine
(x86_64, aarch64): a package both select is listed as it is; one only a single machine selects is listed with
`; platform_machine == "…"`, which the install evaluates for the real target.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from layerbuild.errors import InputError

MACHINES: tuple[str, ...] = ("x86_64", "aarch64")


def marker_true(marker: str | None, env: dict[str, str], where: Path, extras: Iterable[str] = ()) -> bool:
    """Whether `marker` holds in `env` (for any of `extras`, or none); a marker that is not PEP 508 is refused."""
    if not marker or not marker.strip():
        return True
    from packaging.markers import InvalidMarker, Marker, UndefinedEnvironmentName

    try:
        parsed = Marker(marker)
        return any(parsed.evaluate({**env, "extra": e}) for e in ("", *extras))
    except (InvalidMarker, UndefinedEnvironmentName) as exc:
        raise InputError(f"{where}: cannot read the marker {marker!r} ({exc})") from None


def load_toml(path: Path, kind: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # Python 3.10
        import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path} is not valid TOML ({exc}): it cannot be read as a {kind}") from None
    return data


def load_json(path: Path, kind: str) -> Any:
    import json

    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"{path} is not valid JSON ({exc}): it cannot be read as a {kind}") from None


@dataclass
class Chosen:
    """One package a reader selected: `spec` is `name==version` or `name @ URL`."""

    name: str
    spec: str
    hashes: tuple[str, ...] = ()
    via: set[str] = field(default_factory=set)
    direct: bool = False


def per_machine(select: Callable[[str], dict[str, Chosen]], machines: tuple[str, ...] = MACHINES) -> list[str]:
    """Locked lines from `select(machine)` run for each Lambda machine (see the module docstring)."""
    chosen = {m: select(m) for m in machines}
    names = sorted(set().union(*(c.keys() for c in chosen.values())))
    lines: list[str] = []
    for name in names:
        on = [m for m in machines if name in chosen[m]]
        first = chosen[on[0]][name]
        marker = "" if len(on) == len(machines) else f' ; platform_machine == "{on[0]}"'
        via = set().union(*(chosen[m][name].via for m in on))
        direct = any(chosen[m][name].direct for m in on)
        hashes = set().union(*(chosen[m][name].hashes for m in on))
        lines.extend(pin_lines(first.spec + marker, hashes, via, direct))
    return lines


def pin_lines(spec: str, hashes: Iterable[str], via: Iterable[str], direct: bool) -> list[str]:
    """A pin in the text `resolve.lockfile.parse_lock_text` reads: hashes, then `# via` lines."""
    hashes = sorted(set(hashes))
    out = [spec + (" \\" if hashes else "")]
    out.extend(f"    --hash={h}" + (" \\" if i < len(hashes) - 1 else "") for i, h in enumerate(hashes))
    vias = sorted(set(via)) + (["-r requirements"] if direct else [])
    if vias:
        out.append("    # via")
        out.extend(f"    #   {v}" for v in vias)
    return out


def file_url(base: Path, path: str) -> str:
    """`file:///abs` for a path in a lock, relative to the lock's folder."""
    return (base / path).resolve().as_uri()
