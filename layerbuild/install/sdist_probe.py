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

import hashlib
import re
import tarfile
import tempfile
import urllib.parse
import zipfile
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
_SDIST_SUFFIXES = (".tar.gz", ".zip", ".tar.bz2", ".tar.xz", ".tgz", ".tar")


def _requirement_name(text: str) -> str:
    m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", text)
    return re.sub(r"[-_.]+", "-", m.group(1)).lower() if m else ""


def native_sign(files: dict[str, str | None]) -> str | None:
    """Why a project compiles native code, from its root files (relative path -> text, or None for a
    file only listed), or None when nothing says so."""
    pyproject = files.get("pyproject.toml")
    if pyproject:
        try:
            try:
                import tomllib
            except ModuleNotFoundError:  # Python 3.10
                import tomli as tomllib  # type: ignore[no-redef]
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
            word = re.match(r"\w+", m.group(0)).group(0)
            return f"its setup.py declares compiled extensions ({word})"
    for name, what in NATIVE_ROOT_FILES.items():
        if name in files:
            return f"its sdist has a {what} build ({name})"
    return None


def _root_files_of_archive(path: Path) -> dict[str, str | None]:
    """The files at an sdist's project root (the archive's single top folder): text for the build
    scripts, None for the others."""
    wanted = ("pyproject.toml", "setup.py")
    found: dict[str, str | None] = {}

    def add(rel: str, read) -> None:
        parts = PurePosixPath(rel).parts
        if len(parts) != 2:  # top folder / file
            return
        name = parts[1]
        found[name] = read() if name in wanted else None

    if path.name.endswith(".zip"):
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                if not info.is_dir():
                    add(info.filename, lambda i=info: zf.read(i)[:_MAX_READ].decode("utf-8", "replace"))
    else:
        with tarfile.open(path) as tf:
            for member in tf:
                if member.isfile():
                    add(member.name, lambda m=member: tf.extractfile(m).read(_MAX_READ).decode("utf-8", "replace"))
    return found


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


def _is_sdist_of(filename: str, pin: Pin) -> bool:
    from packaging.utils import InvalidSdistFilename, canonicalize_name, parse_sdist_filename

    if not filename.endswith(_SDIST_SUFFIXES):
        return False
    try:
        name, version = parse_sdist_filename(
            filename
            if filename.endswith((".tar.gz", ".zip"))
            else re.sub(r"\.(tar\.bz2|tar\.xz|tgz|tar)$", ".tar.gz", filename)
        )
    except (InvalidSdistFilename, ValueError):
        return False
    return canonicalize_name(name) == pin.name and (pin.version is None or str(version) == pin.version)


def _sha_ok(path: Path, pin: Pin) -> bool:
    """The file is the one the lock pinned (any file, for a pin without hashes)."""
    wanted = {h.split(":", 1)[1] for h in pin.hashes if h.startswith("sha256:")}
    if not wanted:
        return True
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest() in wanted


def _local(value: str) -> Path | None:
    if value.startswith("file://"):
        value = urllib.parse.unquote(urllib.parse.urlsplit(value).path)
    elif "://" in value:
        return None
    path = Path(value).expanduser()
    return path if path.exists() else None


def _candidate_urls(pin: Pin, lock: Lock, context) -> list[str]:
    """URLs (or local paths) of the pin's sdist, in the order uv looks: own source, find-links, indexes."""
    from layerbuild.resolve import index_files

    if pin.source:
        return [pin.source]
    settings = index_files.IndexSettings.from_args(lock.index_args)
    found: list[str] = []
    for link in settings.find_links:
        local = _local(link)
        if local is not None:
            if local.is_dir():
                found += [str(p) for p in sorted(local.iterdir()) if _is_sdist_of(p.name, pin)]
            continue
        if "://" in link:
            found += [u for u in _page_urls(link, context, index_files) if _is_sdist_of(_filename(u), pin)]
    if found:
        return found
    for index in settings.indexes:
        page = index.rstrip("/") + "/" + pin.name + "/"
        found += [u for u in _page_urls(page, context, index_files) if _is_sdist_of(_filename(u), pin)]
        if found:
            break
    return found


def _filename(url: str) -> str:
    return urllib.parse.unquote(urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1])


def _page_urls(page: str, context, index_files) -> list[str]:
    """Absolute URLs of the files a PEP 691/503 page lists (credentials of the page kept for its host)."""
    import json

    try:
        final, ctype, text = index_files._fetch(page, context)
    except Exception:  # noqa: BLE001 - unreachable, refused, 404: no sign from here
        return []
    if "json" in ctype:
        try:
            hrefs = [f["url"] for f in json.loads(text).get("files", ()) if f.get("url")]
        except (ValueError, AttributeError, KeyError):
            return []
    else:
        parser = index_files._Links()
        parser.feed(text)
        hrefs = parser.hrefs
    base = urllib.parse.urlsplit(page)
    urls = []
    for href in hrefs:
        url = urllib.parse.urljoin(final, href)
        parts = urllib.parse.urlsplit(url)
        if base.username and parts.hostname == base.hostname and not parts.username:
            url = urllib.parse.urlunsplit(
                (
                    parts.scheme,
                    f"{base.netloc.rsplit('@', 1)[0]}@{parts.netloc}",
                    parts.path,
                    parts.query,
                    parts.fragment,
                )
            )
        urls.append(url)
    return urls


def _download(url: str, dest: Path, context, max_bytes: int = 1 << 30) -> Path | None:
    import urllib.request

    from layerbuild.resolve import index_files

    request = index_files._request(url.split("#", 1)[0])
    for header in ("Accept", "Accept-encoding"):  # the file as it is: its sha256 is checked
        request.headers.pop(header, None)
    target = dest / _filename(url)
    try:
        with urllib.request.urlopen(request, timeout=60, context=context) as resp, open(target, "wb") as out:
            total = 0
            for block in iter(lambda: resp.read(1 << 20), b""):
                total += len(block)
                if total > max_bytes:
                    return None
                out.write(block)
    except Exception:  # noqa: BLE001 - no sign from here; the compiler-blocked build decides
        return None
    return target


def probe(pin: Pin, lock: Lock) -> str | None:
    """Why `pin`'s sdist compiles native code, or None when its sdist shows no sign of it (or cannot be
    read). Nothing is built or run."""
    from layerbuild.resolve import index_files

    try:
        context = index_files._ssl_context()
        for where in _candidate_urls(pin, lock, context):
            local = _local(where)
            if local is not None and local.is_dir():
                return native_sign(_root_files_of_folder(local))
            with tempfile.TemporaryDirectory(prefix="layerbuild-sdist-probe-") as tmp:
                path = local if local is not None else _download(where, Path(tmp), context)
                if path is None or not path.is_file() or not _sha_ok(path, pin):
                    continue
                try:
                    return native_sign(_root_files_of_archive(path))
                except (tarfile.TarError, zipfile.BadZipFile, OSError, EOFError):
                    continue
    except Exception:  # noqa: BLE001 - the probe is a shortcut only: the blocked build still decides
        return None
    return None
