"""Find a CPython interpreter of a given minor version on this machine (PATH, pyenv, uv)."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from functools import cache
from pathlib import Path

# When set, only these folders (os.pathsep-separated) are searched: pins the interpreter a build uses,
# and an empty value simulates a machine without any (what a CI runner without pyenv looks like).
SEARCH_PATH_ENV = "LAYERBUILD_PYTHON_SEARCH_PATH"


def _candidates(version: str, search_path: str | None = None) -> list[str]:
    if search_path is not None:
        return [os.path.join(d, f"python{version}") for d in search_path.split(os.pathsep) if d]
    found = []
    exe = shutil.which(f"python{version}")
    if exe:
        found.append(exe)
    roots = [os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))]
    for root in roots:
        found += sorted(glob.glob(f"{root}/versions/{version}.*/bin/python{version}"), reverse=True)
    uv_dir = os.environ.get("UV_PYTHON_INSTALL_DIR", str(Path.home() / ".local/share/uv/python"))
    found += sorted(glob.glob(f"{uv_dir}/cpython-{version}.*-linux-*/bin/python{version}"), reverse=True)
    found += [f"/usr/bin/python{version}", f"/usr/local/bin/python{version}"]
    return found


def find_interpreter(version: str) -> Path | None:
    """A working `pythonX.Y` (checked by running it), or None."""
    return _find_interpreter(version, os.environ.get(SEARCH_PATH_ENV))


@cache
def _find_interpreter(version: str, search_path: str | None) -> Path | None:
    candidates = _candidates(version, search_path)
    # pyenv's shims are slow scripts that pick a version at run time: try real binaries first.
    candidates.sort(key=lambda c: "/shims/" in c)
    for candidate in candidates:
        if not os.path.isfile(candidate) or not os.access(candidate, os.X_OK):
            continue
        full = _probe(candidate)
        if full and full.rsplit(".", 1)[0] == version:
            return Path(candidate)
    return None


def interpreter_version(python: Path) -> str:
    """The full version, e.g. 3.11.7 ("" when it does not run)."""
    return _probe(str(python)) or ""


_PROBES_FILE = "interpreters.json"


def _probe(candidate: str) -> str | None:
    """Run `candidate` once to read its version; binaries are remembered by path, size and mtime in the
    layerbuild cache, so a cached rebuild does not start interpreters (scripts, e.g. shims, are not)."""
    import json

    from layerbuild.util.cachedir import cache_root

    try:
        real = os.path.realpath(candidate)
        st = os.stat(real)
        with open(real, "rb") as fh:
            is_binary = fh.read(4) == b"\x7fELF"
    except OSError:
        return None
    key = f"{real}:{st.st_size}:{st.st_mtime_ns}"
    store = cache_root() / _PROBES_FILE
    try:
        known = json.loads(store.read_text())
    except (OSError, ValueError):
        known = {}
    remembered = known.get(key)
    if is_binary and isinstance(remembered, str):
        return remembered
    try:
        out = subprocess.run(
            [candidate, "-c", "import platform; print(platform.python_version())"],
            capture_output=True,
            text=True,
            timeout=20,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    version = out.stdout.strip() if out.returncode == 0 else ""
    if not version:
        return None
    if is_binary:
        known[key] = version
        try:
            store.parent.mkdir(parents=True, exist_ok=True)
            tmp = store.with_name(f".{_PROBES_FILE}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps(known, indent=1, sort_keys=True))
            os.replace(tmp, store)
        except OSError:
            pass  # a read-only cache only costs the probe next time
    return version
