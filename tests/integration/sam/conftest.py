"""The real SAM CLI and cfn-lint (scripts/sam_tools.py installs them in their own venv, once per machine)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def sam_bin() -> Path:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from sam_tools import ensure_sam_tools
    finally:
        sys.path.pop(0)
    try:
        return ensure_sam_tools()
    except subprocess.CalledProcessError as exc:  # the index is unreachable: say so, do not fail unrelated work
        pytest.skip(f"cannot install aws-sam-cli and cfn-lint from the index: {exc}")


@pytest.fixture
def sam(sam_bin, tmp_path):
    """Run a SAM CLI / cfn-lint command; `sam build` finds layerbuild and python3.X on PATH."""

    def run(tool: str, *args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        full = {
            **os.environ,
            "SAM_CLI_TELEMETRY": "0",
            "SAM_CLI_CONTACT_TLS": "0",
            "AWS_DEFAULT_REGION": "us-east-1",
            # our venv's bin first: the makefile recipe runs `layerbuild`; then sam's (its python), then PATH
            "PATH": os.pathsep.join([str(Path(sys.executable).parent), str(sam_bin), os.environ.get("PATH", "")]),
            "HOME": os.environ.get("HOME", str(tmp_path)),
            **(env or {}),
        }
        return subprocess.run(
            [str(sam_bin / tool), *args], cwd=cwd, env=full, capture_output=True, text=True, timeout=900
        )

    return run
