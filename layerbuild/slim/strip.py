"""`strip --strip-debug` of shared libraries (the aggressive profile), only where it is safe."""

from __future__ import annotations

import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from layerbuild.model.removals import Removal


def strip_tool() -> str | None:
    """The `strip` binary, when this machine has one (binutils)."""
    return shutil.which("strip")


def strip_all(tree: Path, candidates: list[tuple[str, str]], tool: str, rule: str) -> tuple[list[Removal], int]:
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        saved = list(pool.map(lambda c: _strip_one(tree / c[0], tool), candidates))
    stripped = [Removal(rule, dist, path, n) for (path, dist), n in zip(candidates, saved) if n and n > 0]
    skipped = sum(1 for n in saved if n is None)
    return stripped, skipped


def _strip_one(path: Path, tool: str) -> int | None:
    """Bytes saved by stripping `path` in place; 0 when nothing to gain, None when unsafe or failed.

    The stripped copy replaces the original only if it is still an ELF file of the same machine that
    needs the same libraries and whose load segments pass the dynamic loader's alignment check.
    """
    from layerbuild.measure.elf import is_elf, load_segments_aligned, read_elf

    original = path.read_bytes()
    if not is_elf(original[:4]):
        return 0
    before = read_elf(original)
    # auditwheel-grafted code was rewritten by patchelf, which strip is known to break; a file whose
    # segments already fail the check is not one we can judge.
    if before is None or any(".libs" in p for p in before.runpath) or not load_segments_aligned(original):
        return None
    tmp = path.with_name(f".{path.name}.strip.tmp")
    try:
        proc = subprocess.run([tool, "--strip-debug", "-o", str(tmp), str(path)], capture_output=True, timeout=300)
        if proc.returncode != 0 or not tmp.is_file():
            return None
        data = tmp.read_bytes()
        if len(data) >= len(original):
            return 0
        after = read_elf(data)
        if (
            after is None
            or after.machine != before.machine
            or after.needed != before.needed
            or not load_segments_aligned(data)
        ):
            return None
        os.chmod(tmp, path.stat().st_mode & 0o7777)
        os.replace(tmp, path)
        return len(original) - len(data)
    except (OSError, subprocess.TimeoutExpired):
        return None
    finally:
        tmp.unlink(missing_ok=True)
