"""`Target`: a Lambda runtime and architecture, and which wheels run there.

The facts (runtimes, glibc, uv's manylinux levels, tag aliases) are `facts.runtimes`; this module turns
them into the type every stage passes around. `Target.accepts` and the tag sets equal the real runtimes'
(Pants' `complete_platform_3.X-<arch>.json`, tests/data/pants_complete_platforms), minus `linux_*`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import cached_property

from layerbuild.facts.runtimes import (
    ARCHITECTURES,
    DEFAULT_ARCH,
    DEFAULT_RUNTIME,
    FIRST_GLIBC_MINOR,
    LEGACY_MACHINES,
    LEGACY_MANYLINUX,
    RUNTIMES,
    UV_MANYLINUX_MINORS,
)

__all__ = [
    "ARCHITECTURES",
    "DEFAULT_ARCH",
    "DEFAULT_RUNTIME",
    "RUNTIMES",
    "Target",
    "marker_environment",
    "parse_target_from_name",
    "wheel_tags",
]


@dataclass(frozen=True)
class Target:
    """A Lambda runtime and architecture: where a layer must run."""

    runtime: str
    arch: str

    def __post_init__(self) -> None:
        if self.runtime not in RUNTIMES:
            from layerbuild.errors import InputError

            raise InputError(f"unknown runtime {self.runtime!r}: choose one of {', '.join(RUNTIMES)}")
        if self.arch not in ARCHITECTURES:
            from layerbuild.errors import InputError

            raise InputError(f"unknown architecture {self.arch!r}: choose x86_64 or arm64")

    @property
    def python_version(self) -> str:
        return RUNTIMES[self.runtime][0]

    @property
    def python_tuple(self) -> tuple[int, int]:
        major, minor = self.python_version.split(".")
        return int(major), int(minor)

    @property
    def os(self) -> str:
        return RUNTIMES[self.runtime][1]

    @property
    def glibc(self) -> tuple[int, int]:
        return RUNTIMES[self.runtime][2]

    @property
    def glibc_str(self) -> str:
        return "%d.%d" % self.glibc

    @property
    def deprecated_on(self) -> datetime.date | None:
        return RUNTIMES[self.runtime][3]

    @property
    def machine(self) -> str:
        """The machine name in wheel tags and ELF headers: x86_64 or aarch64."""
        return ARCHITECTURES[self.arch]

    @property
    def uv_glibc_minor(self) -> int:
        """The lowest manylinux level uv knows that covers every wheel this target accepts."""
        return next(m for m in UV_MANYLINUX_MINORS if m >= self.glibc[1])

    @property
    def uv_platform(self) -> str:
        """The `--python-platform` value for uv: at or above the runtime's glibc (see `uv_is_exact`)."""
        return f"{self.machine}-manylinux_2_{self.uv_glibc_minor}"

    @property
    def uv_is_exact(self) -> bool:
        """True when uv's platform accepts exactly this target's wheels; False (Amazon Linux 2) when uv
        also offers wheels for a newer glibc, which the resolver must filter with `accepts`."""
        return self.uv_glibc_minor == self.glibc[1]

    @property
    def build_image(self) -> str:
        return f"public.ecr.aws/sam/build-{self.runtime}:latest-{self.arch}"

    @property
    def compatible_runtimes(self) -> tuple[str, ...]:
        # Compiled extensions and bytecode are tied to one minor version: one runtime per layer.
        return (self.runtime,)

    @property
    def compatible_architectures(self) -> tuple[str, ...]:
        return (self.arch,)

    @property
    def slug(self) -> str:
        return f"{self.runtime}-{self.arch}"

    @cached_property
    def platform_tags(self) -> tuple[str, ...]:
        """Linux platform tags that run on this target, most specific first."""
        major, top = self.glibc
        tags: list[str] = []
        for minor in range(top, FIRST_GLIBC_MINOR[self.machine] - 1, -1):
            tags.append(f"manylinux_{major}_{minor}_{self.machine}")
            legacy = LEGACY_MANYLINUX.get((major, minor))
            if legacy and self.machine in LEGACY_MACHINES[legacy]:
                tags.append(f"{legacy}_{self.machine}")
        return tuple(tags)

    @cached_property
    def ordered_tags(self) -> tuple[str, ...]:
        """Every `python-abi-platform` tag a wheel may carry to run on this target, best first (the
        order pip and the runtime's packaging rank them in)."""
        from packaging import tags

        platforms = list(self.platform_tags)
        py = self.python_tuple
        found = list(tags.cpython_tags(py, abis=None, platforms=platforms))
        found += list(tags.compatible_tags(py, f"cp{py[0]}{py[1]}", platforms))
        return tuple(dict.fromkeys(str(t) for t in found))

    @cached_property
    def supported_tags(self) -> frozenset[str]:
        return frozenset(self.ordered_tags)

    @cached_property
    def _tag_ranks(self) -> dict[str, int]:
        return {tag: i for i, tag in enumerate(self.ordered_tags)}

    def tag_rank(self, wheel_filename: str) -> int:
        """Position of the wheel's best tag in `ordered_tags` (lower is preferred; large if none fits)."""
        return min((self._tag_ranks.get(t, 1 << 30) for t in wheel_tags(wheel_filename)), default=1 << 30)

    def accepts(self, wheel_filename: str) -> bool:
        """Does a wheel with this file name run on this target (Python, ABI, platform, glibc, arch)?"""
        tags = wheel_tags(wheel_filename)
        return bool(tags) and not self.supported_tags.isdisjoint(tags)

    def marker_environment(self, extra: str = "") -> dict[str, str]:
        """PEP 508 marker values on this runtime (Linux, CPython, its Python and machine)."""
        return marker_environment(self.python_version, self.machine, extra)

    def describe(self) -> str:
        return f"{self.runtime} {self.arch} ({self.os}, glibc {self.glibc_str})"


def marker_environment(python_version: str, machine: str, extra: str = "") -> dict[str, str]:
    """PEP 508 marker values on a Lambda runtime (Linux, CPython) of this Python ("3.12" or "3.12.4") and
    machine (x86_64/aarch64): the one marker environment lock readers, the import check and the SDK check use."""
    short = ".".join(python_version.split(".")[:2])
    full = python_version if python_version.count(".") >= 2 else f"{python_version}.0"
    return {
        "implementation_name": "cpython",
        "implementation_version": full,
        "os_name": "posix",
        "platform_machine": machine,
        "platform_python_implementation": "CPython",
        "platform_release": "",
        "platform_system": "Linux",
        "platform_version": "",
        "python_full_version": full,
        "python_version": short,
        "sys_platform": "linux",
        "extra": extra,
    }


def wheel_tags(wheel_filename: str) -> frozenset[str]:
    """Every `python-abi-platform` tag a wheel file name carries (compressed tag sets expanded), or an
    empty set for a name that is not a wheel's (PEP 427: `{dist}-{version}(-{build})?-{py}-{abi}-{plat}.whl`,
    where no field holds a dash). String work only: an index page lists thousands of files."""
    if not wheel_filename.endswith(".whl"):
        return frozenset()
    parts = wheel_filename[:-4].split("-")
    if len(parts) not in (5, 6):
        return frozenset()
    py, abi, plat = parts[-3:]
    return frozenset(f"{p}-{a}-{x}".lower() for p in py.split(".") for a in abi.split(".") for x in plat.split("."))


def parse_target_from_name(name: str) -> Target | None:
    """Find `pythonX.Y-ARCH` in a file name such as `api-python3.12-arm64.zip` (`names.layer_zip_name`)."""
    from layerbuild.model.names import target_in_name

    found = target_in_name(name)
    if found is None or found[0] not in RUNTIMES:
        return None
    return Target(*found)
