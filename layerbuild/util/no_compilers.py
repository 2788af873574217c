"""No compiler runs on this machine: every uv call sees compilers that fail at once, naming themselves.

Native code must be compiled for Lambda (its glibc, its architecture), which only the build container
does. uv itself never needs a compiler, but the build backends it runs for an sdist do: setuptools
calls `$CC` (or sysconfig's `gcc`), CMake and Meson read `CC`/`CXX`, cargo reads `RUSTC`. So each uv
call gets a PATH whose first folder holds failing stand-ins for every compiler and native build tool
below, and the compiler variables pointing at one. A pure-Python sdist builds as before; a native one
fails at its first compiler call, and the stand-in's line (`MARKER tool`) in uv's output tells the
caller to use the build container. Build tools a backend installs into its own build environment
(`cmake`, `ninja` from PyPI) come first on uv's PATH and do run, but find only the stand-in compilers.

The stand-ins live in the layerbuild cache (`tools/no-compilers-<digest>/`), written once and
renamed into place, so a call costs nothing and no temporary folder is ever left behind.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from functools import cache, lru_cache
from pathlib import Path

MARKER = "layerbuild-no-compiler:"

# Compilers and native build drivers looked up on PATH: gcc/clang and their usual versioned and
# target-prefixed names (Debian's sysconfig CC is `x86_64-linux-gnu-gcc`), Intel, NVIDIA, Fortran,
# Rust, Go, Zig, and the build drivers a setup.py may call directly.
_VERSIONED = [f"{base}-{n}" for base in ("gcc", "g++", "clang", "clang++", "gfortran") for n in range(4, 23)]
_PREFIXED = [
    f"{arch}-{distro}-{tool}"
    for arch in ("x86_64", "aarch64", "i686", "arm64")
    for distro in ("linux-gnu", "pc-linux-gnu", "redhat-linux", "amazon-linux", "unknown-linux-gnu")
    for tool in ("gcc", "g++", "cc", "c++", "cpp", "gfortran")
]
TOOLS = tuple(
    sorted(
        {
            "cc",
            "c++",
            "cpp",
            "gcc",
            "g++",
            "clang",
            "clang++",
            "clang-cpp",
            "icc",
            "icpc",
            "icx",
            "icpx",
            "nvcc",
            "gfortran",
            "g77",
            "f77",
            "f90",
            "f95",
            "ifort",
            "ifx",
            "flang",
            "flang-new",
            "ld",
            "ld.bfd",
            "ld.gold",
            "ld.lld",
            "lld",
            "mold",
            "rustc",
            "cargo",
            "rustup",
            "go",
            "zig",
            "tcc",
            "cmake",
            "ninja",
            "meson",
            "make",
            "gmake",
            "scons",
            "bazel",
            "autoreconf",
            *_VERSIONED,
            *_PREFIXED,
        }
    )
)

# Environment variables build systems read to find a compiler or linker (distutils/setuptools:
# CC, CXX, CPP, LDSHARED, LDCXXSHARED; CMake and Meson: CC, CXX, FC, CUDACXX, HIPCXX, OBJC, OBJCXX;
# cargo: RUSTC; maturin/setuptools-rust: CARGO).
# Each points at the stand-in of the tool it names.
COMPILER_VARIABLES = {
    "CC": "cc",
    "CXX": "c++",
    "CPP": "cpp",
    "LDSHARED": "cc",
    "LDCXXSHARED": "c++",
    "LD": "ld",
    "FC": "gfortran",
    "F77": "gfortran",
    "F90": "gfortran",
    "CUDACXX": "nvcc",
    "NVCC": "nvcc",
    "CUDAHOSTCXX": "c++",
    "HIPCXX": "clang++",
    "OBJC": "clang",
    "OBJCXX": "clang++",
    "CARGO": "cargo",
    "RUSTC": "rustc",
}

_SCRIPT = (
    "#!/bin/sh\n"
    f'echo "{MARKER} ${{0##*/}} was called: native code is compiled only in the Lambda build '
    'container, never on this machine" >&2\n'
    "exit 1\n"
)


def _digest() -> str:
    return hashlib.sha256((_SCRIPT + "\n".join(TOOLS)).encode()).hexdigest()[:12]


def _write(folder: Path) -> None:
    folder.mkdir(parents=True)
    script = folder / "no-compiler"
    script.write_text(_SCRIPT)
    script.chmod(0o755)
    for tool in TOOLS:
        os.symlink("no-compiler", folder / tool)


@cache
def _shim_folder(root: str) -> str:
    final = Path(root) / "tools" / f"no-compilers-{_digest()}"
    if (final / "no-compiler").is_file():
        return str(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=final.parent))
    try:
        os.rmdir(staging)
        _write(staging)
        try:
            os.rename(staging, final)
        except OSError:  # another build renamed its copy first
            if not (final / "no-compiler").is_file():
                raise
    finally:
        if staging.exists():
            import shutil

            shutil.rmtree(staging, ignore_errors=True)
    return str(final)


@lru_cache(maxsize=1)
def _private_folder() -> str:
    """Where the cache cannot be written: one folder for this process, removed when it exits."""
    import atexit
    import shutil

    root = tempfile.mkdtemp(prefix="layerbuild-no-compilers-")
    atexit.register(shutil.rmtree, root, True)
    _write(Path(root) / "bin")
    return str(Path(root) / "bin")


def shim_folder() -> str:
    """The folder of failing stand-ins (created once in the layerbuild cache)."""
    from layerbuild.util.cachedir import cache_root

    try:
        return _shim_folder(str(cache_root()))
    except OSError:
        return _private_folder()


def without_compilers(env: dict[str, str]) -> dict[str, str]:
    """A copy of `env` in which no compiler can be found: stand-ins first on PATH, compiler variables
    pointing at a stand-in."""
    folder = shim_folder()
    out = dict(env)
    out["PATH"] = os.pathsep.join([folder, *(p for p in env.get("PATH", "").split(os.pathsep) if p)])
    for name, tool in COMPILER_VARIABLES.items():
        out[name] = os.path.join(folder, tool)
    out.pop("RUSTC_WRAPPER", None)  # a wrapper (sccache) would be run in place of the stand-in rustc
    return out


def blocked_tool(output: str) -> str | None:
    """The tool a build tried to run when the stand-in stopped it (from uv's output), else None."""
    for line in output.splitlines():
        at = line.find(MARKER)
        if at >= 0:
            rest = line[at + len(MARKER) :].split()
            return rest[0] if rest else "a compiler"
    return None


_BLOCKED_LINE = "{what} here tried to run {tool}: native code is compiled only in the Lambda build container"
_BLOCKED_RE = re.compile(r"here tried to run (\S+): native code is compiled only in the Lambda build container")


def blocked_message(what: str, tool: str) -> str:
    """The one line a user sees for a build the stand-ins stopped (uvtool.first_error_line)."""
    return _BLOCKED_LINE.format(what=what, tool=tool) + " (--backend auto or container)"


def blocked_tool_in(message: str) -> str | None:
    """The tool named by a `blocked_message` line inside `message`, or by a stand-in's own line."""
    m = _BLOCKED_RE.search(message)
    return m.group(1) if m else blocked_tool(message)
