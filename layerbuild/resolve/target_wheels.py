"""Which of the wheels uv offers the target accepts: the check between uv's platform and the real runtime.

uv resolves Amazon Linux 2 targets at `manylinux_2_28` (it knows no 2_26, see facts/runtimes.py). Its pylock
output lists, per chosen version, every wheel that platform and Python version accept; `Target.accepts`
keeps those that run on glibc 2.26. A version left with none must be excluded and resolved again; a
version left with some is locked with only their hashes, so that the install (uv at the same platform,
`--require-hashes`) can only pick a wheel the runtime accepts — the 2_24 wheel of a version that also
ships a 2_28 one.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, replace
from pathlib import Path

from packaging.tags import parse_tag

from layerbuild.facts.pep503 import canonicalize_name
from layerbuild.model.lock import Pin
from layerbuild.model.target import Target


@dataclass(frozen=True)
class OfferedWheel:
    filename: str
    sha256: str | None
    url: str | None = None  # may hold index credentials: never print


@dataclass(frozen=True)
class Offered:
    """What uv's resolution holds for one package: its version and the wheels offered for it."""

    name: str
    version: str | None
    wheels: tuple[OfferedWheel, ...]
    has_sdist: bool


def read_pylock(text: str) -> dict[str, Offered]:
    """uv's `pip compile --format pylock.toml` output, by normalized name."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # Python 3.10
        import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

    data = tomllib.loads(text)
    found: dict[str, Offered] = {}
    for pkg in data.get("packages", ()):
        wheels = []
        for w in pkg.get("wheels", ()):
            url = w.get("url") or w.get("path")
            name = w.get("name") or (url or "").rsplit("/", 1)[-1]
            wheels.append(OfferedWheel(name, (w.get("hashes") or {}).get("sha256"), url))
        found[canonicalize_name(pkg["name"])] = Offered(
            name=canonicalize_name(pkg["name"]),
            version=pkg.get("version"),
            wheels=tuple(wheels),
            has_sdist="sdist" in pkg or "directory" in pkg or "archive" in pkg or "vcs" in pkg,
        )
    return found


def unaccepted(offered: dict[str, Offered], target: Target, from_source: set[str]) -> dict[str, Offered]:
    """Packages whose chosen version has wheels, none of which runs on `target`."""
    return {
        name: o
        for name, o in offered.items()
        if name not in from_source and o.wheels and not any(target.accepts(w.filename) for w in o.wheels)
    }


def accepted_hashes(offered: Offered, target: Target) -> tuple[str, ...]:
    return tuple(sorted(f"sha256:{w.sha256}" for w in offered.wheels if w.sha256 and target.accepts(w.filename)))


def best_wheel(offered: Offered, target: Target, hashes: tuple[str, ...] = ()) -> OfferedWheel | None:
    """The wheel pip would pick on the runtime among those it accepts (and, if given, whose hash is
    in `hashes`): the most specific tag first, as the runtime's own tag order ranks them."""
    allowed = set(hashes)
    fitting = [
        w
        for w in offered.wheels
        if target.accepts(w.filename) and (not allowed or (w.sha256 and f"sha256:{w.sha256}" in allowed))
    ]
    return min(fitting, key=lambda w: (target.tag_rank(w.filename), w.filename), default=None)


def restrict_pins(
    pins: list[Pin], offered: dict[str, Offered], target: Target, from_source: set[str]
) -> tuple[list[Pin], dict[str, str]]:
    """Each index pin keeps only the hashes of wheels the target accepts (sdist-built pins keep theirs).
    Returns (pins, {name: URL of the wheel to install})."""
    out: list[Pin] = []
    urls: dict[str, str] = {}
    for pin in pins:
        o = offered.get(pin.name)
        if o is None or pin.name in from_source or pin.source or not o.wheels:
            out.append(pin)
            continue
        good = set(accepted_hashes(o, target))
        kept = tuple(h for h in pin.hashes if h in good) or tuple(sorted(good))
        best = best_wheel(o, target, kept)
        if best is not None and best.url:
            urls[pin.name] = best.url + (f"#sha256={best.sha256}" if best.sha256 else "")
        out.append(replace(pin, hashes=kept))
    return out, urls


def wheels_the_target_rejects(dest: Path, target: Target, skip: frozenset[str] | set[str] = frozenset()) -> list[str]:
    """`name version (tags)` of every installed distribution in `dest` whose WHEEL tags the target does
    not accept: the last guard that what goes into a layer runs on its runtime. Distributions in `skip`
    (built from an sdist for the target) are not checked."""
    found = []
    for info in sorted(Path(dest).glob("*.dist-info")):
        wheel = info / "WHEEL"
        if not wheel.is_file():
            continue
        name, _, version = info.name[: -len(".dist-info")].partition("-")
        if canonicalize_name(name) in skip:
            continue
        tags = [
            line.split(":", 1)[1].strip()
            for line in wheel.read_text(encoding="utf-8", errors="replace").splitlines()
            if line.lower().startswith("tag:")
        ]
        # A WHEEL file may hold a compressed tag set on one line (maturin: `cp312-cp312-manylinux_2_17_x86_64.
        # manylinux2014_x86_64`): expand it as the wheel's file name would be.
        expanded = {str(t) for line in tags for t in parse_tag(line)}
        if tags and target.supported_tags.isdisjoint(expanded):
            found.append(f"{name} {version} ({', '.join(tags)})")
    return found
