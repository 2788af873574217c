"""Locks read from a file (ours, or any fully pinned and hashed requirements file) and used as they are,
without resolving; for a target uv cannot name exactly (Amazon Linux 2), their wheels are checked.

A hashed lock made elsewhere may hold hashes of wheels that need a newer glibc than the target's: only
the hashes of wheels the target accepts are kept (uv is asked which wheels each locked version has). A
locked version with no such wheel is built from its locked sdist, or refused in one line naming the
newest version that fits: a lock is never silently replaced by other versions.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from layerbuild.errors import InputError, ResolutionError
from layerbuild.model.lock import Lock, Pin
from layerbuild.model.target import Target
from layerbuild.resolve.lockfile import parse_lock_text
from layerbuild.resolve.requirements import RequirementsInput
from layerbuild.util.uvtool import first_error_line, run_uv


def lock_from_file(reqs: RequirementsInput, target: Target) -> Lock | None:
    """A lock file (ours, or any fully pinned and hashed file) used as it is, without resolving; None
    for a file that holds no pins and no lock header."""
    text = "\n".join(reqs.texts or [Path(f).read_text() for f in reqs.files])  # decoded as pip decodes
    pins, header = parse_lock_text(text)
    if header:
        runtime, arch = header.get("runtime"), header.get("arch")
        if (runtime, arch) != (target.runtime, target.arch):
            raise InputError(
                f"{reqs.path} is a lock for {runtime} {arch}, not {target.runtime} {target.arch}: "
                "pass the matching --runtime/--arch or run `layerbuild lock` again"
            )
    elif not pins:
        return None
    from_source = tuple(x for x in header.get("build-from-source", "").split(",") if x)
    # A pin named by a folder, a VCS or an sdist URL (a workspace member, a git dependency) is built from it,
    # and so is one the file says to build (`--no-binary NAME`: a project lock's version without a fitting wheel).
    built = {p.name for p in pins if p.source and not p.source.split("#")[0].endswith(".whl")} | reqs.no_binary
    from_source += tuple(sorted(built - set(from_source)))
    urls: dict[str, str] = {}
    if not target.uv_is_exact and header.get("wheels") != "checked":
        pins, from_source, urls = _check_locked_wheels(reqs.index_args, target, pins, from_source)
    return Lock(
        target=target,
        pins=tuple(pins),
        build_from_source=from_source,
        index_args=reqs.index_args,
        wheel_urls=tuple(sorted(urls.items())),
    )


def wheel_urls_for(lock: Lock) -> dict[str, str]:
    """The wheel to install per pin, for a target uv cannot name exactly (see `Lock.wheel_urls`)."""
    if lock.target.uv_is_exact:
        return {}
    if lock.wheel_urls:
        return dict(lock.wheel_urls)
    _, _, urls = _check_locked_wheels(lock.index_args, lock.target, list(lock.pins), lock.build_from_source)
    return urls


def locked_files_pylock(pins: list[Pin], target: Target, index_args: tuple[str, ...]) -> str:
    """uv's pylock.toml text listing, for each pin at its locked version, the files uv's platform for `target`
    offers (`--no-deps` over exact pins: nothing is resolved; uv's cache first, the index only if it lacks them)."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="layerbuild-lockcheck-") as tmp:
        req = Path(tmp) / "pins.txt"
        req.write_text("".join(f"{p.name}=={p.version}\n" for p in pins))
        out = Path(tmp) / "pylock.toml"
        from layerbuild.resolve.uv_compile import interpreter_args

        args = ["pip", "compile", str(req), "--python-version", target.python_version, *interpreter_args(target)]
        args += ["--python-platform", target.uv_platform, "--no-deps", "--quiet", "--format", "pylock.toml"]
        args += ["-o", str(out), *index_args]
        proc = run_uv([*args, "--offline"])
        if proc.returncode != 0:
            proc = run_uv(args)
        if proc.returncode != 0 or not out.is_file():
            raise ResolutionError(
                f"cannot find the locked wheels for {target.runtime} {target.arch}: {first_error_line(proc.stderr)}"
            )
        return out.read_text()


def _check_locked_wheels(
    index_args: tuple[str, ...], target: Target, pins: list[Pin], from_source: tuple[str, ...]
) -> tuple[list[Pin], tuple[str, ...], dict[str, str]]:
    """Keep only the hashes of wheels the target accepts; a pin left with none is built from its sdist
    (or refused): (pins, packages built from source, {name: URL of the wheel to install})."""
    from layerbuild.resolve.target_wheels import accepted_hashes, best_wheel, read_pylock

    index_pins = [p for p in pins if p.version and not p.source and p.name not in from_source]
    if not index_pins:
        return pins, from_source, {}
    offered = read_pylock(locked_files_pylock(index_pins, target, index_args))
    checked: list[Pin] = []
    sdist = set(from_source)
    urls: dict[str, str] = {}
    unfit: list[Pin] = []
    for pin in pins:
        o = offered.get(pin.name)
        if pin in index_pins and o is not None and o.wheels:
            good = set(accepted_hashes(o, target))
            kept = tuple(h for h in pin.hashes if h in good) if pin.hashes else tuple(sorted(good))
            best = best_wheel(o, target, kept) if kept else None
            if best is not None:
                pin = replace(pin, hashes=kept)
                if best.url:
                    urls[pin.name] = best.url + (f"#sha256={best.sha256}" if best.sha256 else "")
            else:
                unfit.append(pin)
        checked.append(pin)
    if unfit:
        sdist |= _locked_sdists_or_refuse(unfit, index_args, target)
    return checked, tuple(sorted(sdist)), urls


def refuse_unfit_locked_pins(lock: Lock, installer_stderr: str) -> None:
    """After a failed install: a locked pin uv found no wheel for (a lock made for another Python or glibc,
    e.g. a Pipfile.lock that lists only hashes) is refused in one line naming its locked version and the newest
    version with a wheel for the target, rather than leaving uv's message alone. Returns when none is."""
    import re

    unfit = [
        p
        for p in lock.pins
        if p.version
        and not p.source
        and p.name not in lock.build_from_source
        and re.search(
            rf"`?{re.escape(p.name)}(==|`? *\(?v?){re.escape(p.version)}\)?`? (has|have) no (usable )?wheels",
            installer_stderr,
            re.I,
        )
    ]
    if not unfit:
        return
    sdists = tuple(sorted(_locked_sdists_or_refuse(unfit, lock.index_args, lock.target)))  # raises for the rest
    if sdists:
        from layerbuild.errors import LockedSdistsNeeded

        locked = ", ".join(f"{n}=={lock.pin(n).version}" for n in sdists)
        raise LockedSdistsNeeded(
            f"{locked} {'is' if len(sdists) == 1 else 'are'} locked without a wheel for {lock.target.describe()}; "
            "the lock holds the sdist, which must be built for Lambda: use --backend auto or container, or lock "
            "a version with a wheel",
            sdists,
        )


def _locked_sdists_or_refuse(pins: list[Pin], index_args: tuple[str, ...], target: Target) -> set[str]:
    """Locked pins none of whose hashed wheels runs on `target`: built from their locked sdist when the lock
    holds its hash (the container builds it under --backend auto); otherwise refused with one line that
    names the locked version and the newest version with a wheel that runs there — never replaced."""
    from packaging.version import Version

    from layerbuild.resolve.index_files import IndexSettings, accepted_by_version, list_projects

    listed = list_projects([p.name for p in pins], IndexSettings.from_args(index_args))
    sdists: set[str] = set()
    for pin in pins:
        files = listed.get(pin.name) or []
        hashes = {h.split(":", 1)[-1] for h in pin.hashes}
        locked = [name for name, sha in files if sha in hashes]
        if any(not name.endswith(".whl") for name in locked):
            sdists.add(pin.name)
            continue
        _, good = accepted_by_version(pin.name, files, target.accepts)
        newest = max(good, key=Version, default=None)
        where = f"the newest version with one is {newest}" if newest else "no version on the index has one"
        if files and not locked:
            raise InputError(
                f"{pin.name}=={pin.version}: the lock's hashes match no file on the index "
                f"({where} for {target.runtime} {target.arch}): regenerate the lock"
            )
        raise InputError(
            f"{pin.name}=={pin.version} is locked without a wheel that runs on {target.describe()} "
            f"and without its sdist ({where}): regenerate the lock with `layerbuild lock` "
            "for this target"
        )
    return sdists
