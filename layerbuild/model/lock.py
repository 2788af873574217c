"""`Pin` and `Lock`: what a resolution decided for a target, as data.

A `Lock` is every pinned distribution (version, hashes, markers, who needs it) for one `Target`, plus
what the install stage must know: the packages built from an sdist, the user's index options and, for a
target uv cannot name exactly (Amazon Linux 2), the one wheel URL per pin the runtime accepts. Reading
and writing the lock file is `resolve/lockfile.py`; resolving is `resolve/`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from layerbuild.model.target import Target


@dataclass(frozen=True)
class Pin:
    name: str  # canonical distribution name (packaging.utils.canonicalize_name)
    version: str | None  # None for a direct URL
    hashes: tuple[str, ...] = ()
    markers: str | None = None
    source: str | None = None  # a direct URL or path, when not from the index
    required_by: tuple[str, ...] = ()  # canonical names of packages that need this one
    direct: bool = False  # listed in the user's requirements

    def requirement_line(self) -> str:
        """The PEP 508 line: `name==version` or `name @ URL`, with its markers (no hashes)."""
        spec = f"{self.name} @ {self.source}" if self.source else f"{self.name}=={self.version}"
        if self.markers:
            spec += f" ; {self.markers}"
        return spec


@dataclass(frozen=True)
class Lock:
    target: Target
    pins: tuple[Pin, ...]
    build_from_source: tuple[str, ...] = ()  # packages with no usable wheel: built from an sdist
    index_args: tuple[str, ...] = field(default=(), repr=False, compare=False)  # may hold secrets
    # name -> URL#sha256=HEX of the wheel to install, where uv's platform is not the runtime's (Amazon Linux 2):
    # the one wheel the runtime accepts, never the 2_28 one uv would prefer. May hold secrets.
    wheel_urls: tuple[tuple[str, str], ...] = field(default=(), repr=False, compare=False)

    def names(self) -> set[str]:
        return {p.name for p in self.pins}

    def get(self, name: str) -> Pin | None:
        from layerbuild.facts.pep503 import canonicalize_name

        wanted = canonicalize_name(name)
        return next((p for p in self.pins if p.name == wanted), None)

    def pin(self, name: str) -> Pin:
        """The pin named `name`, which the caller knows is in the lock (KeyError otherwise)."""
        found = self.get(name)
        if found is None:
            raise KeyError(name)
        return found
