"""What the uv.lock tests share: the committed uv projects, uv itself as the oracle (`uv export --frozen`
reads the same lock without the index), and requirement lines read back as {(name, version or path): hashes}
for one target."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from packaging.markers import Marker, default_environment
from packaging.requirements import Requirement

from layerbuild.util.uvtool import uv_binary

DATA = Path(__file__).resolve().parents[3] / "data"
WORKSPACE = DATA / "uv-workspace"
FORK = DATA / "uv-python-fork"
ALBATROSS = DATA / "uv-albatross-virtual-workspace"  # uv's own example workspace


def copy_project(src: Path, dest: Path) -> Path:
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns("README.md", "*.egg-info", "build", ".venv"))
    return dest


def lambda_env(python: str, machine: str) -> dict[str, str]:
    """Marker values on Lambda, written out here independently of the reader."""
    env = dict(default_environment())
    env.update(
        python_version=python,
        python_full_version=f"{python}.0",
        implementation_version=f"{python}.0",
        sys_platform="linux",
        platform_system="Linux",
        os_name="posix",
        platform_machine=machine,
        implementation_name="cpython",
        platform_python_implementation="CPython",
        extra="",
    )
    return env


def selected(text: str, root: Path, python: str, machine: str) -> dict[tuple[str, str], frozenset[str]]:
    """Requirement lines (uv export's or ours) whose markers hold on the target: {(name, version or the
    local folder): hashes}."""
    out: dict[tuple[str, str], frozenset[str]] = {}
    joined = text.replace("\\\n", " ")
    for raw in joined.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#") or line.startswith("--"):
            continue  # comments, and options such as `--no-binary NAME` (see test_uv_lock_wheels.py)
        spec, *hashes = (part.strip() for part in line.split("--hash="))
        spec = spec.removeprefix("-e ").strip()
        if spec.startswith("."):  # uv export's local folder or file
            path, _, marker = spec.partition(";")
            if not marker or Marker(marker).evaluate(lambda_env(python, machine)):
                out[("local", str((root / path.strip()).resolve()))] = frozenset(hashes)
            continue
        req = Requirement(spec)
        if req.marker and not req.marker.evaluate(lambda_env(python, machine)):
            continue
        if req.url and req.url.startswith("file://"):
            out[("local", req.url.removeprefix("file://"))] = frozenset(hashes)
        elif req.url:
            out[(req.name, req.url)] = frozenset(hashes)
        else:
            out[(req.name, str(req.specifier).removeprefix("=="))] = frozenset(hashes)
    return out


def uv_export(root: Path, *args: str) -> str:
    """uv's own reading of the lock (`--frozen`: never the index, never the pyproject's resolution)."""
    proc = subprocess.run(
        [uv_binary(), "export", "--frozen", "--no-default-groups", "--no-header", *args],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
        env={"UV_OFFLINE": "1", "PATH": "/usr/bin:/bin", "UV_NO_PROGRESS": "1"},
    )
    return proc.stdout
