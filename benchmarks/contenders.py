"""The recipes layerbuild is compared with in benchmarks/run.py, each as its documentation gives it.

- uv's Lambda guide (docs.astral.sh/uv/guides/integration/aws-lambda, "Deploying a zip archive" /
  "Using a Lambda layer"): `uv pip install --no-installer-metadata --no-compile-bytecode
  --python-platform x86_64-manylinux2014 --python 3.13 --target packages -r requirements.txt`, then
  `zip -r` of the folder. Here into `packages/python` (a layer's layout) with `zip -qr`, and the Python
  given as the interpreter of the runtime's version found on this machine (uv cannot download one here).
- the same with the runtime's own glibc level and wheels only: `--python-platform x86_64-manylinux_2_34
  --only-binary :all:` (Amazon Linux 2023; the runtime's level for the others, from layerbuild's facts).
- pip as AWS's Lambda docs give it: `pip install --platform manylinux2014_x86_64 --only-binary=:all:
  --implementation cp --python-version 3.12 --target python -r requirements.txt`, then `zip -qr`.
- `sam build` of a one-function template with the same requirements.txt (no container).
Each returns its wall time in seconds, or a one-line reason it failed.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


TIMEOUT = 120.0  # seconds; a recipe that builds an sdist from source (numpy, pandas) can take many minutes


def _run(cmd: list[str], env: dict[str, str], cwd: Path | None = None) -> str | None:
    """None when `cmd` succeeded, else one line: its last error line, or that it ran out of time (then its
    whole process group, compilers included, is killed)."""
    proc = subprocess.Popen(
        cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        out, err = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return f"did not finish in {TIMEOUT:.0f} s (building an sdist from source: no wheel for that platform tag)"
    except BaseException:  # Ctrl-C or a kill of the benchmark: its own session would outlive it
        os.killpg(proc.pid, signal.SIGKILL)
        raise
    if proc.returncode == 0:
        return None
    lines = [line for line in (err + out).splitlines() if line.strip()]
    errors = [line for line in lines if "rror" in line] or lines  # sam ends with "Build Failed"
    return (errors[-1] if errors else f"exit {proc.returncode}")[:200]


def _zip_folder(folder: Path, out: Path, env: dict[str, str]) -> str | None:
    out.unlink(missing_ok=True)
    return _run(["zip", "-qr", str(out), "python"], env, cwd=folder)


def uv_recipe(reqs: Path, runtime: str, arch: str, work: Path, env: dict[str, str], form: str) -> float | str:
    """form "guide": manylinux2014 as the guide writes it; "binary": the runtime's glibc, --only-binary."""
    from layerbuild.model.target import Target
    from layerbuild.util.interpreters import find_interpreter
    from layerbuild.util.uvtool import uv_binary

    target = Target(runtime, arch)
    machine = "x86_64" if arch == "x86_64" else "aarch64"
    python = find_interpreter(target.python_version)
    packages = work / f"uv-{form}"
    shutil.rmtree(packages, ignore_errors=True)
    platform = f"{machine}-manylinux2014" if form == "guide" else target.uv_platform
    cmd = [uv_binary(), "pip", "install", "-q", "--no-installer-metadata", "--no-compile-bytecode"]
    cmd += ["--python-platform", platform, "--python", str(python or target.python_version)]
    cmd += ["--target", str(packages / "python"), "-r", str(reqs)]
    if form == "binary":
        cmd += ["--only-binary", ":all:"]
    start = time.perf_counter()
    failed = _run(cmd, env) or _zip_folder(packages, work / f"uv-{form}.zip", env)
    return failed or time.perf_counter() - start


def pip_recipe(reqs: Path, runtime: str, arch: str, work: Path, env: dict[str, str]) -> float | str:
    from layerbuild.model.target import Target

    target = Target(runtime, arch)
    machine = "x86_64" if arch == "x86_64" else "aarch64"
    folder = work / "pip-target"
    shutil.rmtree(folder, ignore_errors=True)
    cmd = [sys.executable, "-m", "pip", "install", "-q", "--platform", f"manylinux2014_{machine}"]
    cmd += ["--only-binary=:all:", "--implementation", "cp", "--python-version", target.python_version]
    cmd += ["--target", str(folder / "python"), "-r", str(reqs)]
    start = time.perf_counter()
    failed = _run(cmd, env) or _zip_folder(folder, work / "pip.zip", env)
    return failed or time.perf_counter() - start


SAM_TEMPLATE = """AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: {{CodeUri: fn/, Handler: app.handler, Runtime: {runtime}, Architectures: [{arch}]}}
"""


def sam_build(sam: str, reqs: Path, runtime: str, arch: str, work: Path, run: int, env: dict[str, str]) -> float | str:
    """A cold `sam build` (fresh build and cache folders), with the runtime's Python first on PATH (SAM
    refuses to build without a `python3.X` of the runtime there)."""
    from layerbuild.model.target import Target
    from layerbuild.util.interpreters import find_interpreter

    python = find_interpreter(Target(runtime, arch).python_version)
    if python is not None:
        env = {**env, "PATH": f"{Path(python).parent}{os.pathsep}{env.get('PATH', '')}"}
    project = work / f"sam-{run}"
    shutil.rmtree(project, ignore_errors=True)
    (project / "fn").mkdir(parents=True)
    shutil.copy(reqs, project / "fn" / "requirements.txt")
    (project / "fn" / "app.py").write_text("def handler(event, context):\n    return event\n")
    (project / "template.yaml").write_text(SAM_TEMPLATE.format(runtime=runtime, arch=arch))
    cmd = [sam, "build", "--template-file", str(project / "template.yaml"), "--build-dir", str(project / "build")]
    start = time.perf_counter()
    failed = _run(cmd, {**env, "SAM_CLI_TELEMETRY": "0"}, cwd=project)
    return failed or time.perf_counter() - start


def find_sam(given: str | None, install: bool) -> str | None:
    """`--sam PATH`, else the venv scripts/sam_tools.py makes (made now with --install-sam), else PATH."""
    if given:
        return given
    sys.path.insert(0, str(ROOT / "scripts"))
    from sam_tools import VENV, ensure_sam_tools

    if install:
        return str(ensure_sam_tools() / "sam")
    made = VENV / "bin" / "sam"
    return str(made) if made.is_file() else shutil.which("sam")
