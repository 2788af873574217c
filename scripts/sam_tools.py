"""Install the SAM CLI and cfn-lint in their own venv, `build/tools/sam-venv` (gitignored), once.

aws-sam-cli pins many packages (boto3, click, jsonschema, …) that would fight ours, so it never goes into
the project's venv. The venv is made with the uv our dependencies bring (`uv venv` + `uv pip install`), for
the Python running this script; a marker file records the pinned versions, so a later run with the same
pins returns at once and a change of pins reinstalls. A lock file keeps two test processes from
installing at the same time. Used by tests/integration/sam/conftest.py; runnable by hand:

    .venv/bin/python scripts/sam_tools.py      # prints the venv's bin folder
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / "build" / "tools" / "sam-venv"
# Pinned: tests assert on what these tools accept; bump deliberately.
PINS = ("aws-sam-cli==1.170.0", "cfn-lint==1.58.0")


def _uv() -> str:
    here = Path(sys.executable).parent / "uv"
    return str(here) if here.is_file() else (shutil.which("uv") or "uv")


def ensure_sam_tools(venv: Path = VENV) -> Path:
    """The bin folder of a venv holding `sam` and `cfn-lint` at PINS, installed if needed."""
    marker = venv / "layerbuild-pins.txt"
    wanted = "\n".join(PINS) + "\n"
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.parent / ".sam-venv.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if marker.is_file() and marker.read_text() == wanted and (venv / "bin" / "sam").is_file():
            return venv / "bin"
        shutil.rmtree(venv, ignore_errors=True)
        env = {**os.environ, "VIRTUAL_ENV": str(venv)}
        python = os.path.realpath(sys.executable)
        subprocess.run([_uv(), "venv", "-q", "--python", python, str(venv)], check=True, env=env)
        subprocess.run(
            [_uv(), "pip", "install", "-q", "--python", str(venv / "bin" / "python"), *PINS], check=True, env=env
        )
        marker.write_text(wanted)
    return venv / "bin"


if __name__ == "__main__":
    print(ensure_sam_tools())
