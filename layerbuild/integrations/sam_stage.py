"""The staged code of each function whose dependencies moved to layers (`plan --write-template`).

`sam build` installs a Python function's `requirements.txt` (or, with BuildMethod python-uv, its
pyproject/uv.lock) into the function. Those packages are in its layers now, so the written template points
the function's CodeUri at a copy of its code without those manifests (facts/sam_paths.DEPENDENCY_MANIFESTS),
under `<OUT stem>-functions/<LogicalId>/` beside OUT: SAM's own Python builder then copies the code and
installs nothing, on any machine, with no Makefile and nothing written into the user's source folders.
A function the planner had to bundle packages into (no layer to spare) gets a requirements.txt of
exactly those pins, which SAM installs as usual. The copy is a snapshot: write the template again after
editing the code (it is fast: the plan and the layers come from the caches).

The whole folder is written beside its final place and renamed into it, so a reader sees the old or the
new one, never half.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from layerbuild.facts.sam_paths import DEPENDENCY_MANIFESTS
from layerbuild.plan.functions import FunctionSpec
from layerbuild.plan.model import LayerPlan


def stage_folder(out: Path) -> Path:
    return out.resolve().parent / f"{out.stem}-functions"


def stage_functions(root: Path, specs: Sequence[FunctionSpec], plan: LayerPlan, skip: Sequence[Path] = ()) -> None:
    from layerbuild.build.function_package import code_files

    root.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{root.name}.", dir=root.parent))
    try:
        for spec in specs:
            assert spec.code is not None
            code = spec.code.resolve()
            manifest = spec.requirements.resolve() if spec.requirements is not None else None
            dest = tmp / spec.name
            dest.mkdir()
            for rel, path in code_files(code, skip=tuple(skip)):
                if ("/" not in rel and rel in DEPENDENCY_MANIFESTS) or path.resolve() == manifest:
                    continue
                target = dest / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target)
            bundled = plan.function(spec.name).bundled
            if bundled:
                lines = [f"{p.name}=={p.version}" for p in bundled]
                (dest / "requirements.txt").write_text("\n".join(lines) + "\n")
        old = None
        if root.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{root.name}.old.", dir=root.parent))
            os.rename(root, old / root.name)
        os.rename(tmp, root)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
