"""Resolution where uv's platform is the runtime's own (every target but Amazon Linux 2): every wheel uv
picks runs there, so uv's answer is the lock. A package uv finds no usable wheel for is resolved from its
sdist in the next round (the install stage then decides where it builds)."""

from __future__ import annotations

from layerbuild.errors import ResolutionError
from layerbuild.model.lock import Lock
from layerbuild.model.target import Target
from layerbuild.resolve.lockfile import parse_lock_text
from layerbuild.resolve.requirements import RequirementsInput
from layerbuild.resolve.uv_compile import MAX_ROUNDS, compile_args
from layerbuild.resolve.uv_errors import explain_failure, next_from_source
from layerbuild.util.uvtool import run_uv


def resolve_exact(reqs: RequirementsInput, target: Target) -> Lock:
    from_source: set[str] = set(reqs.source_builds)  # local projects and --no-binary NAME build from source
    earlier = ""  # uv's hints from rounds before: they name the platforms that do have wheels
    for _ in range(MAX_ROUNDS):
        proc = run_uv(compile_args(reqs, target, from_source))
        if proc.returncode == 0:
            pins, _ = parse_lock_text(proc.stdout)
            return Lock(
                target=target,
                pins=tuple(pins),
                build_from_source=tuple(sorted(from_source)),
                index_args=reqs.index_args,
            )
        new = next_from_source(proc.stderr, from_source, {})
        if not new:
            raise explain_failure(proc.stderr, reqs, target, from_source, earlier)
        earlier += proc.stderr
        from_source |= new
    raise ResolutionError(f"cannot resolve {reqs.path}: too many packages without wheels for {target.runtime}")
