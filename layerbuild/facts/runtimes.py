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
  `Target.accepts` (resolve/checked.py): a 2_24 or 2_26 wheel is a candidate, a 2_27/2_28 one never ships.
- The tag sets below equal the real runtimes' (Pants' `complete_platform_3.X-<arch>.json`, captured
  from `/var/lang/bin/python3.X`; tests/data/pants_complete_platforms), minus plain `linux_*` tags,
  which are not portable builds.

Nothing of ours is imported here; everything may import this module. `model.target.Target` is the
type built on it.
"""

from __future__ import annotations

import datetime as _dt

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
FIRST_GLIBC_MINOR = {"x86_64": 5, "aarch64": 17}

DEFAULT_RUNTIME = "python3.12"
DEFAULT_ARCH = "x86_64"

# PEP 600 legacy aliases: manylinux1 = 2_5, manylinux2010 = 2_12, manylinux2014 = 2_17.
LEGACY_MANYLINUX = {(2, 5): "manylinux1", (2, 12): "manylinux2010", (2, 17): "manylinux2014"}
# Legacy aliases exist for these machines only (PEP 513/571/599).
LEGACY_MACHINES = {
    "manylinux1": {"x86_64", "i686"},
    "manylinux2010": {"x86_64", "i686"},
    "manylinux2014": {"x86_64", "i686", "aarch64", "armv7l", "ppc64", "ppc64le", "s390x"},
}
