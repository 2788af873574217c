"""The `uv pip compile` call every resolution round makes, and how many rounds a resolution may take.

Wheels first: every package is resolved `--only-binary :all:`, so that uv picks the newest version whose
wheels run on the target; a package named in `from_source` is resolved from its sdist (`--no-binary
NAME`), and a constraints file may exclude versions (the Amazon Linux 2 rounds, checked.py).
"""

from __future__ import annotations

from pathlib import Path

from layerbuild.model.target import Target
from layerbuild.resolve.requirements import RequirementsInput

MAX_ROUNDS = 8  # rounds that each move packages to their sdist: a safety bound, never reached in practice


def interpreter_args(target: Target) -> list[str]:
    """`--python` with the target's interpreter when this machine has one (util/interpreters.py). The
    answer is the same (`--python-version` sets the markers), but uv skips its own interpreter discovery,
    which runs every `python3.X` on PATH (0.65 s of a 1.3 s resolution where a pyenv shim is first); it
    also builds a local project's sdist with the target's Python. Without one, uv discovers as before."""
    from layerbuild.util.interpreters import find_interpreter

    python = find_interpreter(target.python_version)
    return ["--python", str(python)] if python else []


def compile_args(
    reqs: RequirementsInput, target: Target, from_source: set[str], constraints: Path | None = None
) -> list[str]:
    """uv's arguments for one round: the normalized UTF-8 copy of the requirements (local paths as
    `name @ file:///abs`, includes flattened), the target, hashes, and the user's index options."""
    reqs.check_source_builds(from_source, f"{target.runtime} {target.arch}")  # --only-binary NAME forbids
    args = [
        "pip",
        "compile",
        str(reqs.uv_requirements()),
        "--python-version",
        target.python_version,
        "--python-platform",
        target.uv_platform,
        "--generate-hashes",
        "--no-header",
        "--quiet",
        "--only-binary",
        ":all:",
        *interpreter_args(target),
    ]
    for name in sorted(from_source):
        args += ["--no-binary", name]
    if constraints is not None:
        args += ["--constraint", str(constraints)]
    return args + list(reqs.resolver_args) + list(reqs.index_args)
