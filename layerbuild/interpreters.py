"""Find a CPython interpreter of a given minor version on this machine (PATH, pyenv, uv)."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from functools import lru_cache
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


@lru_cache(maxsize=None)
def _find_interpreter(version: str, search_path: str | None) -> Path | None:
    for candidate in _candidates(version, search_path):
        if not os.path.isfile(candidate) or not os.access(candidate, os.X_OK):
            continue
        try:
            out = subprocess.run([candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                                 capture_output=True, text=True, timeout=20)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if out.returncode == 0 and out.stdout.strip() == version:
            return Path(candidate)
    return None


def interpreter_version(python: Path) -> str:
    out = subprocess.run([str(python), "-c", "import platform; print(platform.python_version())"],
                         capture_output=True, text=True, timeout=20)
    return out.stdout.strip()
