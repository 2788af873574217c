"""Small real packages for the audit tests: zips assembled from wheels the tests build themselves."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from tests.conftest import make_wheel


def layer_zip(dest: Path, wheels: list[Path], prefix: str = "python/", extra: dict[str, bytes] | None = None) -> Path:
    """A layer (prefix python/) or function (prefix "") zip holding the wheels' installed files."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as out:
        for wheel in wheels:
            with zipfile.ZipFile(wheel) as src:
                for name in src.namelist():
                    out.writestr(prefix + name, src.read(name))
        for name, data in (extra or {}).items():
            out.writestr(name, data)
    return dest


def wheel(tmp: Path, name: str, version: str = "1.0", files: dict | None = None, **kw) -> Path:
    return make_wheel(
        tmp / "wheels", name, version, files or {f"{name.replace('-', '_')}/__init__.py": "x = 1\n"}, **kw
    )


def compile_so(tmp: Path, name: str, source: str, *args: str) -> Path:
    """A real shared library compiled here with gcc (skips the test when no compiler is installed)."""
    if not shutil.which("gcc"):
        pytest.skip("gcc is not installed (scripts/services.sh installs it)")
    src = tmp / f"{name}.c"
    src.write_text(source)
    out = tmp / name
    subprocess.run(
        ["gcc", "-shared", "-fPIC", "-o", str(out), str(src), *args], check=True, cwd=tmp, capture_output=True
    )
    return out


# fcntl64 is versioned GLIBC_2.28: newer than Amazon Linux 2's glibc 2.26, older than AL2023's 2.34.
FCNTL64_SOURCE = """#define _GNU_SOURCE
#include <fcntl.h>
int lb_flags(int fd) { return fcntl64(fd, F_GETFL); }
"""


def aarch64_elf() -> bytes:
    """A minimal valid ELF64 little-endian shared object header for AArch64 (e_machine 183), no sections."""
    ident = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    header = ident + (3).to_bytes(2, "little") + (183).to_bytes(2, "little") + (1).to_bytes(4, "little")
    header += bytes(8) + bytes(8) + bytes(8)  # e_entry, e_phoff, e_shoff
    header += bytes(4)  # e_flags
    header += (64).to_bytes(2, "little") + (56).to_bytes(2, "little") + bytes(2)  # ehsize, phentsize, phnum
    header += (64).to_bytes(2, "little") + bytes(2) + bytes(2)  # shentsize, shnum, shstrndx
    return header
