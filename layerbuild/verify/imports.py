"""The import smoke test: does every top-level module of the layer still import after slimming?

Each module is imported in a fresh interpreter of the target's minor version (or, when another
module's import loaded it whole, passes with that one: covering.py), isolated from this
machine's packages (`-I -S`: no site-packages, no PYTHON* variables, no .pth processing, as on
Lambda, where the layer reaches Python through PYTHONPATH, not as a site folder) and writing no
bytecode (`-B`). `sys.path` is the layer tree, then the runtime-provided packages the build removed
(boto3 and friends, which Lambda puts after the layers), then the standard library.

A failure is matched against the build's removals: the missing module (`ModuleNotFoundError.name`),
the missing file (`OSError.filename`) or any removed path in the traceback names the rule that removed
what the module needed. A `ModuleNotFoundError` for a module that no distribution in the layer
provides and that the importing distribution does not require is an optional dependency (pandas
tries matplotlib, requests tries chardet): the layer is as its authors intended, so it is reported
as a warning, not a failure.

Two kinds of failure are not what a user's handler would meet, and are judged again:
- A module only meant to load through another package (`psycopg_binary` raises "the psycopg package
  should be imported before psycopg_binary"): a failing module is imported once more after each
  top-level module of the layer its error message names, then after the modules of each distribution
  that requires its own distribution (psycopg declares psycopg-binary under its `binary` extra). If it
  imports then, it is fine: that is how Lambda code reaches it. `--skip-import MODULE` leaves out a
  module the user knows is never imported on its own.
- A version clash (ionhash cannot import `_IonNature` from amazon-ion 0.15.0): the file that ran the
  failing import and the module it imported from belong to two distributions of the layer. The
  message names both with their versions and suggests a constraint below the installed version of
  the one that no longer has the name.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from layerbuild.model.target import Target
from layerbuild.tree.distributions import Distribution
from layerbuild.tree.index import TreeIndex
from layerbuild.verify.results import SmokeResult, describe, raise_on_failures
from layerbuild.verify.smoke import is_skipped, smoke_test

if TYPE_CHECKING:
    from layerbuild.aws.shared_cache import SharedStore


def verify_imports(
    tree: TreeIndex,
    target: Target,
    python: Path | None,
    python_version: str | None,
    runtime_dir: Path | None = None,
    runtime_dists: tuple[Distribution, ...] = (),
    *,
    skip: tuple[str, ...] = (),
    shared: SharedStore | None = None,  # --cache-url: passed checks shared by CI runners (import_cache.py)
) -> SmokeResult:
    """The build's import check: run the smoke test with `python` (the target's interpreter the build
    found, None when there is none) against every removal so far; FindingsError on failure.

    `skip`: modules (and the modules under them) the user leaves out with --skip-import."""
    from layerbuild.util.progress import note, step, warn

    removed = tuple(tree.removals)
    dists = tree.distributions
    if python is None:
        result = smoke_test(tree.root, dists, target, removed, python=None)
    else:
        from layerbuild.util.interpreters import interpreter_version
        from layerbuild.verify.import_cache import ImportReuse

        version = python_version or interpreter_version(python)
        with step("Checking that every top-level module imports"):
            reuse = (
                ImportReuse(tree, python, version, target, runtime_dir, runtime_dists, shared=shared)
                if version
                else None
            )
            result = smoke_test(
                tree.root,
                dists,
                target,
                removed,
                python=python,
                python_version=python_version,
                runtime_dir=runtime_dir,
                runtime_dists=runtime_dists,
                skip=skip,
                reuse=reuse,
            )
        if result.covered_modules:
            note(
                f"layerbuild: {len(result.covered_modules)} of {len(result.checks)} modules were imported whole "
                "by another module's check (numpy by pandas, say): checked with it"
            )
        if result.reused_modules:
            note(
                f"layerbuild: {len(result.reused_modules)} of {len(result.checks)} modules passed the import "
                "check before on the same files: not imported again"
            )
    if result.skipped:
        note(f"layerbuild: import smoke test skipped: {result.skipped}")
    elif skip:
        unused = [s for s in skip if not any(is_skipped(m, (s,)) for m in result.skipped_modules)]
        for name in unused:
            warn(
                f"--skip-import {name} matched no top-level module of the layer: check the module name "
                "(the name you import, e.g. psycopg_binary, not the package name)"
            )
    for check in result.checks:
        if check.via:
            note(
                f"layerbuild: {check.module} ({check.distribution}) imports only after {check.via}, "
                "as it is meant to: checked that way"
            )
    for check in result.warnings:
        warn(describe(check))
    raise_on_failures(result)
    return result
