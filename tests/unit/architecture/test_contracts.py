"""The dependency rules of docs/architecture.md are import-linter contracts (pyproject.toml) that CI runs.
These tests prove the contracts hold for the code as it is, and that they bite: one forbidden import in a
temporary copy of the package makes `lint-imports` fail, naming the rule."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
LINT = Path(sys.executable).with_name("lint-imports")


def _copy(tmp_path: Path) -> Path:
    dest = tmp_path / "copy"
    shutil.copytree(ROOT / "layerbuild", dest / "layerbuild", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", dest / "pyproject.toml")
    return dest


def _lint(where: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(where)}
    return subprocess.run([str(LINT), "--no-cache"], cwd=where, env=env, capture_output=True, text=True, timeout=300)


pytestmark = pytest.mark.skipif(not LINT.exists(), reason="import-linter is not installed (pip install -e '.[test]')")


def test_every_architecture_contract_is_kept(tmp_path):
    result = _lint(_copy(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout and " KEPT" in result.stdout


@pytest.mark.parametrize(
    "module,forbidden,contract",
    [
        ("facts/limits.py", "import layerbuild.build.pipeline", "facts are data"),
        ("measure/elf.py", "import layerbuild.resolve.resolver", "measure works on any zip or folder"),
        ("model/target.py", "import layerbuild.install.wheels", "model holds data types"),
        ("report/formats/table.py", "import layerbuild.install.wheels", "report and audit formats only render"),
        ("build/cache.py", "import layerbuild.cli", "the core knows no command line"),
        ("commands/build.py", "import layerbuild.cdk", "only users import layerbuild.cdk"),
    ],
)
def test_a_forbidden_import_breaks_its_contract(tmp_path, module, forbidden, contract):
    copy = _copy(tmp_path)
    target = copy / "layerbuild" / module
    target.write_text(target.read_text() + f"\n{forbidden}  # the forbidden import this test adds\n")
    result = _lint(copy)
    assert result.returncode != 0
    broken = [line for line in result.stdout.splitlines() if line.rstrip().endswith("BROKEN")]
    assert any(line.startswith(contract) for line in broken), result.stdout
