"""Which Lambda target an existing zip or folder was built for.

Order (architecture.md, CLI contract): the `--runtime/--arch` flags, else the file's name
(`api-python3.12-arm64.zip`), else the wheels' tags in `*.dist-info/WHEEL`. Each part comes from the
first source that knows it; the returned source string says which ones were used.
"""

from __future__ import annotations

import os
import re
import stat
import zipfile
from collections import Counter
from email.parser import HeaderParser
from pathlib import Path, PurePosixPath

from layerbuild.model.target import ARCHITECTURES, RUNTIMES, Target, parse_target_from_name

# `cp311-cp311-manylinux_2_17_x86_64` → version 3.11 (exact: a version-specific ABI); abi3/none give none.
_CP_TAG = re.compile(r"^cp3(\d+)-cp3\d+m?-")
_MACHINE_TO_ARCH = {machine: arch for arch, machine in ARCHITECTURES.items()}


def _wheel_texts(path: Path) -> list[str]:
    """The `*.dist-info/WHEEL` files of a zip or folder (in any site folder, not only the top)."""
    texts = []
    if path.is_dir():
        for dirpath, dirnames, filenames in os.walk(path):
            if Path(dirpath).name.endswith(".dist-info"):
                dirnames[:] = []
                wheel = Path(dirpath) / "WHEEL"
                # Only a regular file is read: a FIFO (or a link to one, or to a device) would block.
                if "WHEEL" in filenames and stat.S_ISREG(wheel.lstat().st_mode):
                    texts.append(wheel.read_text(encoding="utf-8", errors="replace"))
        return texts
    if not path.is_file():
        return []  # a FIFO, socket or device: inventory_of refuses it with a clear message
    try:
        with zipfile.ZipFile(path) as zf:
            for name in zf.namelist():
                parts = PurePosixPath(name).parts
                if len(parts) >= 2 and parts[-1] == "WHEEL" and parts[-2].endswith(".dist-info"):
                    texts.append(zf.read(name).decode("utf-8", errors="replace"))
    except (zipfile.BadZipFile, OSError):
        return []  # inventory_of reports the unreadable zip with a clear message
    return texts


def target_from_wheel_tags(path: Path) -> tuple[str | None, str | None]:
    """(runtime, arch) the compiled wheels in `path` were made for; None where no wheel says.

    When wheels disagree (a hand-assembled layer) the most common answer wins.
    """
    runtimes: Counter[str] = Counter()
    arches: Counter[str] = Counter()
    for text in _wheel_texts(path):
        for tag in HeaderParser().parsestr(text, headersonly=True).get_all("Tag") or ():
            tag = tag.strip()
            match = _CP_TAG.match(tag)
            if match and f"python3.{match.group(1)}" in RUNTIMES:
                runtimes[f"python3.{match.group(1)}"] += 1
            for machine, arch_name in _MACHINE_TO_ARCH.items():
                if tag.endswith("_" + machine):
                    arches[arch_name] += 1
    runtime = runtimes.most_common(1)[0][0] if runtimes else None
    arch = arches.most_common(1)[0][0] if arches else None
    return runtime, arch


def detect_target(path: str | Path, runtime: str | None = None, arch: str | None = None) -> tuple[Target | None, str]:
    """(target, source): source is "flags", "zip name", "wheel tags", a "+"-joined mix, or "unknown"."""
    path = Path(path)
    used: list[str] = ["flags"] if (runtime or arch) else []

    def fill(source: str, rt: str | None, ar: str | None) -> None:
        nonlocal runtime, arch
        took = False
        if not runtime and rt:
            runtime, took = rt, True
        if not arch and ar:
            arch, took = ar, True
        if took:
            used.append(source)

    if not (runtime and arch):
        named = parse_target_from_name(path.name)
        if named:
            fill("zip name", named.runtime, named.arch)
    if not (runtime and arch):
        fill("wheel tags", *target_from_wheel_tags(path))
    if not runtime:
        return None, "unknown"
    # Pure-Python layers carry no architecture: they run on both, so the default is as good as any.
    if not arch:
        arch = "x86_64"
        used.append("default arch")
    return Target(runtime, arch), " + ".join(used)
