"""The runtime's own AWS SDK (boto3 family) as a folder, for the sandbox's `sys.path` after the layers.

Lambda's Python runtimes ship boto3, botocore, s3transfer and their dependencies after the layers on
`sys.path` (facts/runtime_sdk.py names the versions). A handler that imports boto3 without shipping it
imports the runtime's: an init measurement without it would fail or measure nothing. The exact versions
are installed once per runtime with uv (wheels only, no dependencies: the list is complete) and compiled
by the runtime's interpreter, as the managed runtime ships them, under the layerbuild cache
(`runtime-sdk/<runtime>-<versions hash>/`, written to a temporary folder then renamed).

`runtime_sdk_folder()` returns the folder, or None and the reason (no index, no uv): the sandbox then
runs without it and says so.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from layerbuild.facts.runtime_sdk import RUNTIME_SDK
from layerbuild.model.target import Target


def runtime_sdk_folder(target: Target, python: Path) -> tuple[Path | None, str]:
    """(folder, "") or (None, why not). `python` is the runtime's interpreter (compiles the .pyc)."""
    from layerbuild.util.cachedir import cache_root

    sdk = RUNTIME_SDK.get(target.runtime)
    if not sdk:
        return None, f"layerbuild knows no SDK versions for {target.runtime}"
    pins = sorted(f"{name}=={version}" for name, version in sdk.items())
    key = hashlib.sha256(" ".join(pins).encode()).hexdigest()[:12]
    dest = cache_root() / "runtime-sdk" / f"{target.runtime}-{key}"
    if (dest / "boto3").is_dir():
        return dest, ""
    from layerbuild.errors import LayerbuildError
    from layerbuild.util.uvtool import first_error_line, run_uv

    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        proc = run_uv(
            ["pip", "install", "--python", str(python), "--target", str(tmp), "--no-deps", "--only-binary", ":all:",
             "--compile-bytecode", "--quiet", *pins],
            timeout=300,
        )  # fmt: skip
    except LayerbuildError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        return None, str(exc)
    if proc.returncode != 0:
        shutil.rmtree(tmp, ignore_errors=True)
        return None, f"installing the runtime's SDK failed: {first_error_line(proc.stderr)}"
    shutil.rmtree(tmp / "bin", ignore_errors=True)  # console scripts with this machine's shebang
    try:
        os.replace(tmp, dest)
    except OSError:  # another run put it there first
        shutil.rmtree(tmp, ignore_errors=True)
    return dest, ""
