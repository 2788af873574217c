"""Does an sdist compile native code? Read from the sdist itself, without building or compiling anything.

`--backend auto` builds an sdist on this machine only when it is pure Python. This module looks at
the sdist archive (or a local project folder) before any build: its build backend and build
requirements (pyproject.toml), what setup.py declares, and the native build files at its root. A
clear sign of native code sends the package straight to the build container, so nothing (not even its
build dependencies) is installed or run here. No sign is not proof of pure Python: the build here then
runs with every compiler disabled (no_compilers.py), which is the proof.

The sdist is found where uv finds it: a pin's own path or URL, the find-links folders and pages, then
the indexes (index_files.IndexSettings: the requirements' options and the UV_*/PIP_* variables), and
checked against the lock's sha256 before it is read. Anything that cannot be fetched or read gives
"no sign" (None), never an error: the compiler-blocked build still decides.
"""

from __future__ import annotations

import re
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Callable
from functools import partial
from pathlib import Path, PurePosixPath

from layerbuild.model.lock import Lock, Pin

# Build backends that exist to build native code (PEP 517 `build-backend` values; their docs:
# scikit-build-core.readthedocs.io, meson-python.readthedocs.io, maturin.rs, py-build-cmake, sip).
NATIVE_BACKENDS = {
    "scikit_build_core.build": "scikit-build-core",
    "scikit_build_core.setuptools.build_meta": "scikit-build-core",
    "mesonpy": "meson-python",
    "maturin": "maturin",
    "py_build_cmake.build": "py-build-cmake",
    "sipbuild.api": "sip",
    "enscons.api": "enscons",
    "pymsbuild": "pymsbuild",
}
# Build requirements that only a native build needs: compilers' front ends, binding generators,
# C headers (numpy), and hatch/setuptools plugins that compile.
NATIVE_BUILD_REQUIRES = frozenset(
    {
        "cython",
        "pybind11",
        "nanobind",
        "cffi",
        "setuptools-rust",
        "scikit-build",
        "scikit-build-core",
        "cmake",
        "ninja",
        "meson",
        "meson-python",
        "maturin",
        "numpy",
        "oldest-supported-numpy",
        "pythran",
        "hatch-cython",
        "hatch-mypyc",
        "cmake-build-extension",
        "py-build-cmake",
        "swig",
        "sip",
        "cppy",
        "setuptools-golang",
        "milksnake",
        "ziglang",
    }
)
# setup.py text that declares compiled extensions (setuptools, Cython, cffi, setuptools-rust, pybind11).
_SETUP_PY_NATIVE = re.compile(
    r"\bext_modules\s*=\s*(?!\[\s*\])|\bExtension\s*\(|\bcythonize\s*\(|\bcffi_modules\s*=|\brust_extensions\s*="
    r"|\bRustExtension\s*\(|\bPybind11Extension\s*\(|\bCMakeExtension\s*\(|\blibraries\s*=\s*\[\s*\("
)
# Files at the project root that drive a native build.
NATIVE_ROOT_FILES = {
    "CMakeLists.txt": "CMake",
    "meson.build": "Meson",
    "Cargo.toml": "Cargo (Rust)",
    "binding.gyp": "gyp",
}
_MAX_READ = 4 << 20  # bytes of setup.py/pyproject.toml read: build scripts are small


def _requirement_name(text: str) -> str:
    m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", text)
    return re.sub(r"[-_.]+", "-", m.group(1)).lower() if m else ""


def native_sign(files: dict[str, str | None]) -> str | None:
    """Why a project compiles native code, from its root files (relative path -> text, or None for a
    file only listed), or None when nothing says so."""
    pyproject = files.get("pyproject.toml")
    if pyproject:
        try:
            if sys.version_info >= (3, 11):
                import tomllib
            else:  # Python 3.10
                import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]
            system = tomllib.loads(pyproject).get("build-system", {})
        except Exception:  # noqa: BLE001 - a malformed pyproject.toml: the build will say so
            system = {}
        backend = str(system.get("build-backend") or "")
        if backend in NATIVE_BACKENDS:
            return f"its sdist builds with {NATIVE_BACKENDS[backend]}"
        for req in system.get("requires") or ():
            if isinstance(req, str) and _requirement_name(req) in NATIVE_BUILD_REQUIRES:
                return f"its build needs {_requirement_name(req)}"
    setup_py = files.get("setup.py")
    if setup_py:
        m = _SETUP_PY_NATIVE.search(setup_py)
        if m:
            word = re.match(r"\w+", m.group(0)) or m  # every pattern starts with a word
            return f"its setup.py declares compiled extensions ({word.group(0)})"
    for name, what in NATIVE_ROOT_FILES.items():
        if name in files:
            return f"its sdist has a {what} build ({name})"
    return None


def _root_files_of_archive(path: Path) -> dict[str, str | None]:
    """The files at an sdist's project root (the archive's single top folder): text for the build
    scripts, None for the others."""
    wanted = ("pyproject.toml", "setup.py")
    found: dict[str, str | None] = {}

    def add(rel: str, read: Callable[[], str]) -> None:
        parts = PurePosixPath(rel).parts
        if len(parts) != 2:  # top folder / file
            return
        name = parts[1]
        found[name] = read() if name in wanted else None

    if path.name.endswith(".zip"):
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                if not info.is_dir():
                    add(info.filename, partial(_zip_text, zf, info))
    else:
        with tarfile.open(path) as tf:
            for member in tf:
                if member.isfile():
                    add(member.name, partial(_member_text, tf, member))
    return found


def _zip_text(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> str:
    return zf.read(info)[:_MAX_READ].decode("utf-8", "replace")


def _member_text(tf: tarfile.TarFile, member: tarfile.TarInfo) -> str:
    handle = tf.extractfile(member)
    return handle.read(_MAX_READ).decode("utf-8", "replace") if handle is not None else ""


def _root_files_of_folder(folder: Path) -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for entry in folder.iterdir():
        if entry.is_file():
            found[entry.name] = (
                entry.read_bytes()[:_MAX_READ].decode("utf-8", "replace")
                if entry.name in ("pyproject.toml", "setup.py")
                else None
            )
    return found


def probe(pin: Pin, lock: Lock) -> str | None:
    """Why `pin`'s sdist compiles native code, or None when its sdist shows no sign of it (or cannot be
    read). Nothing is built or run."""
    from layerbuild.install.sdist_fetch import download, local_path, sdist_locations, sha_matches
    from layerbuild.resolve.index_files import ssl_context

    try:
        context = ssl_context()
        for where in sdist_locations(pin, lock, context):
            local = local_path(where)
            if local is not None and local.is_dir():
                return native_sign(_root_files_of_folder(local))
            with tempfile.TemporaryDirectory(prefix="layerbuild-sdist-probe-") as tmp:
                path = local if local is not None else download(where, Path(tmp), context)
                if path is None or not path.is_file() or not sha_matches(path, pin):
                    continue
                try:
                    return native_sign(_root_files_of_archive(path))
                except (tarfile.TarError, zipfile.BadZipFile, OSError, EOFError):
                    continue
    except Exception:  # noqa: BLE001 - the probe is a shortcut only: the blocked build still decides
        return None
    return None
