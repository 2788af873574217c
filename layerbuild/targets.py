"""The Lambda Python runtimes and what runs on them: the one table of runtime facts.

Sources:
- Runtimes, OS and deprecation dates: AWS docs, "Lambda runtimes"
  (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html).
- glibc per runtime: aws-lambda-builders, `aws_lambda_builders/workflows/python_pip/packager.py`
  (`_RUNTIME_GLIBC`): Amazon Linux 2 ships glibc 2.26, Amazon Linux 2023 ships 2.34.
- Build images: SAM CLI's `public.ecr.aws/sam/build-{runtime}:latest-{arch}`.
- uv's `--python-platform` knows only some manylinux levels (`uv pip compile --help`, uv 0.13:
  2_17, 2_28, 2_31 … 2_40) and none for AL2's 2.26. We resolve at the lowest level uv knows at or
  above the runtime's glibc (2_28 for AL2, 2_34 for AL2023) and check every wheel uv offers with
  `Target.accepts` (resolve.py): a 2_24 or 2_26 wheel is a candidate, a 2_27/2_28 one never ships.
- The tag sets below equal the real runtimes' (Pants' `complete_platform_3.X-<arch>.json`, captured
  from `/var/lang/bin/python3.X`; tests/data/pants_complete_platforms), minus plain `linux_*` tags,
  which are not portable builds.

Nothing of ours is imported here; everything may import this module.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from functools import cached_property

# runtime -> (python minor version, OS, glibc, deprecation date or None)
RUNTIMES: dict[str, tuple[str, str, tuple[int, int], _dt.date | None]] = {
    "python3.10": ("3.10", "Amazon Linux 2", (2, 26), _dt.date(2026, 10, 31)),
    "python3.11": ("3.11", "Amazon Linux 2", (2, 26), None),
    "python3.12": ("3.12", "Amazon Linux 2023", (2, 34), None),
    "python3.13": ("3.13", "Amazon Linux 2023", (2, 34), None),
    "python3.14": ("3.14", "Amazon Linux 2023", (2, 34), None),
}

# The glibc 2.x levels uv's `--python-platform ARCH-manylinux_2_N` accepts (uv 0.13, `uv pip compile --help`).
UV_MANYLINUX_MINORS = (17, 28, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40)

# Lambda's architecture name -> the machine name used in wheel tags, ELF files and uv platforms.
ARCHITECTURES: dict[str, str] = {"x86_64": "x86_64", "arm64": "aarch64"}

# The oldest glibc with manylinux wheels per machine (PEP 600; packaging's `_manylinux` and the runtimes'
# own tag sets recorded by Pants start aarch64 at 2_17).
_FIRST_GLIBC_MINOR = {"x86_64": 5, "aarch64": 17}

DEFAULT_RUNTIME = "python3.12"
DEFAULT_ARCH = "x86_64"

# PEP 600 legacy aliases: manylinux1 = 2_5, manylinux2010 = 2_12, manylinux2014 = 2_17.
_LEGACY_MANYLINUX = {(2, 5): "manylinux1", (2, 12): "manylinux2010", (2, 17): "manylinux2014"}
# Legacy aliases exist for these machines only (PEP 513/571/599).
_LEGACY_MACHINES = {
    "manylinux1": {"x86_64", "i686"},
    "manylinux2010": {"x86_64", "i686"},
    "manylinux2014": {"x86_64", "i686", "aarch64", "armv7l", "ppc64", "ppc64le", "s390x"},
}


def runtime_names() -> list[str]:
    return list(RUNTIMES)


def arch_names() -> list[str]:
    return list(ARCHITECTURES)


@dataclass(frozen=True)
class Target:
    """A Lambda runtime and architecture: where a layer must run."""

    runtime: str
    arch: str

    def __post_init__(self) -> None:
        if self.runtime not in RUNTIMES:
            from .errors import InputError

            raise InputError(
                f"unknown runtime {self.runtime!r}: choose one of {', '.join(RUNTIMES)}"
            )
        if self.arch not in ARCHITECTURES:
            from .errors import InputError

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
    def deprecated_on(self) -> _dt.date | None:
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
        for minor in range(top, _FIRST_GLIBC_MINOR[self.machine] - 1, -1):
            tags.append(f"manylinux_{major}_{minor}_{self.machine}")
            legacy = _LEGACY_MANYLINUX.get((major, minor))
            if legacy and self.machine in _LEGACY_MACHINES[legacy]:
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

    def describe(self) -> str:
        return f"{self.runtime} {self.arch} ({self.os}, glibc {self.glibc_str})"


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
    """Find `pythonX.Y-ARCH` in a file name such as `api-python3.12-arm64.zip`."""
    import re

    match = re.search(r"(python3\.\d+)-(x86_64|arm64)", name)
    if not match or match.group(1) not in RUNTIMES:
        return None
    return Target(match.group(1), match.group(2))
