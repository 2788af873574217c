"""Resolution where uv's platform is above the runtime's (Amazon Linux 2: uv resolves at `manylinux_2_28`,
the runtime runs glibc 2.26, see model/target.py): every wheel uv offers is checked with
`Target.accepts`, and versions with none that runs are excluded, round after round.

Round one asks uv for its pylock (every offered wheel per package). When some package's wheels do not
run on the target, every version of it without such a wheel is excluded at once (listed from the index,
index_files.py), and the next rounds run offline on uv's fresh cache: requirements output for pins,
hashes and `# via`; pylock again only for a version not seen yet. Hashes are cut down to the accepted
wheels (target_wheels.py), so the install can only take one of those. A package with no accepted wheel
at any version is resolved from its sdist.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from layerbuild.errors import ResolutionError
from layerbuild.model.lock import Lock
from layerbuild.model.target import Target
from layerbuild.resolve.lockfile import parse_lock_text
from layerbuild.resolve.requirements import RequirementsInput
from layerbuild.resolve.target_wheels import Offered, OfferedWheel, read_pylock, restrict_pins, unaccepted
from layerbuild.resolve.uv_compile import MAX_ROUNDS, compile_args
from layerbuild.resolve.uv_errors import explain_failure, next_from_source
from layerbuild.util.uvtool import run_uv

Known = dict[tuple[str, str | None], Offered]  # (name, version) -> the wheels that version offers


class _Rounds:
    """uv calls of one checked resolution: online until the index pages of every package were refreshed
    once, offline (on that cache) after; what each pylock showed is remembered in `known`."""

    def __init__(self, tmp: Path) -> None:
        self.pylock = tmp / "pylock.toml"
        self.known: Known = {}
        self.online_seen: set[str] = set()  # packages whose index pages the online round refreshed

    def run(self, args: list[str], *, pylock_format: bool) -> subprocess.CompletedProcess[str]:
        if pylock_format:
            args = [a for a in args if a not in ("--generate-hashes", "--no-header")]
            args += ["--format", "pylock.toml", "-o", str(self.pylock)]
        if self.online_seen:
            proc = run_uv(args + ["--offline"])
            if proc.returncode == 0:
                return proc
        return run_uv(args)

    def record(self) -> dict[str, Offered]:
        found = read_pylock(self.pylock.read_text())
        self.known.update({(o.name, o.version): o for o in found.values()})
        return found


def resolve_checked(reqs: RequirementsInput, target: Target, tmp: Path) -> Lock:
    from_source: set[str] = set(reqs.source_builds)  # local projects and --no-binary NAME build from source
    excluded: dict[str, set[str]] = {}
    rounds = _Rounds(tmp)
    known = rounds.known
    earlier = ""
    first = True
    for _ in range(MAX_ROUNDS * 2):
        args = compile_args(reqs, target, from_source, _write_exclusions(tmp, excluded))
        if first:
            proc = rounds.run(args, pylock_format=True)
            if proc.returncode == 0:
                first = False
                offered = rounds.record()
                rounds.online_seen |= set(offered)
                bad = unaccepted(offered, target, from_source)
                if bad:
                    _exclude(bad, excluded, from_source, known, reqs, target)
                continue
        else:
            proc = rounds.run(args, pylock_format=False)
            if proc.returncode == 0:
                pins, _ = parse_lock_text(proc.stdout)
                names = {p.name for p in pins}
                unknown = [p for p in pins if (p.name, p.version) not in known and not p.source]
                if unknown or not names <= rounds.online_seen:
                    if not names <= rounds.online_seen:
                        rounds.online_seen.clear()  # a package not refreshed yet: ask the index again
                    proc = rounds.run(args, pylock_format=True)
                    if proc.returncode != 0:
                        raise explain_failure(proc.stderr, reqs, target, from_source, earlier)
                    rounds.online_seen |= set(rounds.record())
                offered = {p.name: known[(p.name, p.version)] for p in pins if (p.name, p.version) in known}
                bad = unaccepted(offered, target, from_source)
                if not bad:
                    checked, urls = restrict_pins(pins, offered, target, from_source)
                    return Lock(
                        target=target,
                        pins=tuple(checked),
                        build_from_source=tuple(sorted(from_source)),
                        index_args=reqs.index_args,
                        wheel_urls=tuple(sorted(urls.items())),
                    )
                _exclude(bad, excluded, from_source, known, reqs, target)
                continue
        new = next_from_source(proc.stderr, from_source, excluded)
        if not new:
            raise explain_failure(proc.stderr, reqs, target, from_source, earlier)
        for name in new:
            excluded.pop(name, None)
        earlier += proc.stderr
        from_source |= new
        first = True
    raise ResolutionError(f"cannot resolve {reqs.path}: too many packages without wheels for {target.runtime}")


def _write_exclusions(tmp: Path, excluded: dict[str, set[str]]) -> Path | None:
    """The constraints file that keeps uv off the excluded versions (`name!=1.0,!=1.1`), or None."""
    if not any(excluded.values()):
        return None
    path = tmp / "exclusions.txt"
    lines = [
        name + ",".join(f"!={v}" for v in sorted(versions)) for name, versions in sorted(excluded.items()) if versions
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def _exclude(
    bad: dict[str, Offered],
    excluded: dict[str, set[str]],
    from_source: set[str],
    known: Known,
    reqs: RequirementsInput,
    target: Target,
) -> None:
    """Exclude every version of each `bad` package that has no wheel the target accepts (listed from the
    index in one request per package); a package with none at all is built from its sdist. The
    accepted wheels of the other versions become known, so that no pylock round is needed for them."""
    from layerbuild.resolve.index_files import IndexSettings, accepted_by_version, list_projects
    from layerbuild.util.progress import note

    listed = list_projects(bad, IndexSettings.from_args(reqs.index_args))
    for name, offered in sorted(bad.items()):
        files = listed.get(name)
        if files is None:  # the index could not be listed here: exclude uv's choice and try again
            excluded.setdefault(name, set()).add(str(offered.version))
            continue
        seen, good = accepted_by_version(name, files, target.accepts)
        if not good:
            from_source.add(name)
            excluded.pop(name, None)
            continue
        excluded.setdefault(name, set()).update((seen - set(good)) | {str(offered.version)})
        for version, wheels in good.items():
            if all(sha for _, sha in wheels):
                known[(name, version)] = Offered(name, version, tuple(OfferedWheel(f, s) for f, s in wheels), False)
        note(
            f"{name} {offered.version} has no wheel for {target.runtime} {target.arch} "
            f"(glibc {target.glibc_str}): choosing among the versions that have one"
        )
