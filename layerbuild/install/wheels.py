"""Install without Docker: uv picks the target's wheels (`--python-platform`) and installs them.

Packages that have no usable wheel are built from their sdist here only when the result is pure
Python; anything that compiles needs the build container (`--backend container`).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from layerbuild.errors import InstallError, NoCompatibleWheelError
from layerbuild.install.interface import Installer
from layerbuild.model.lock import Lock
from layerbuild.model.target import Target
from layerbuild.tree.distributions import distributions_in_dir
from layerbuild.tree.records import replace_text
from layerbuild.util.uvtool import first_error_line, run_uv


def uv_install_args(lock: Lock, target: Target, dest: Path, requirements: Path) -> list[str]:
    args = [
        "pip",
        "install",
        "--target",
        str(dest),
        "--python-version",
        target.python_version,
        "--python-platform",
        target.uv_platform,
        "--no-deps",
        "--quiet",
        # Hard links into uv's cache (0.4 s instead of 1.3 s for numpy+pandas): every later stage
        # deletes files or replaces them by rename (records.replace_text, slim's strip), never
        # writes into one; tests/integration/test_uv_cache_untouched.py holds them to it.
        "--link-mode",
        "hardlink",
        "--only-binary",
        ":all:",
    ]
    for name in lock.build_from_source:
        args += ["--no-binary", name]
    # uv reuses its build of a local project until pyproject.toml/setup.* change; an edited source file
    # in a monorepo's libs/common must reach the layer (the build cache key holds the files' digest).
    for pin in lock.pins:
        if pin.source and pin.source.startswith("file:"):
            args += ["--refresh-package", pin.name]
    if all(p.hashes for p in lock.pins):
        args.append("--require-hashes")
    return args + ["-r", str(requirements), *lock.index_args]


# uv records its cache state (with a timestamp) in dist-info folders it installs from its cache or from
# an sdist it built: not part of the package, and different from one machine or cache to the next.
UV_CACHE_FILES = ("uv_cache.json", "uv_build.json")


def _local_direct_url(info: Path) -> bool:
    """PEP 610's `direct_url.json` of a package installed from a local path names this machine's folder
    (`file:///home/…/libs/common`): meaningless in /opt, and it made two checkouts' layers differ."""
    path = info / "direct_url.json"
    try:
        return path.is_file() and '"file:' in path.read_text(encoding="utf-8")
    except OSError:
        return False


def drop_uv_cache_files(dest: Path) -> None:
    """Remove uv's cache records from every dist-info in `dest` (and from RECORD), so that layers are
    byte-identical whatever state uv's cache was in, and local packages' `direct_url.json` (see
    `_local_direct_url`), so that they do not depend on where the checkout is."""
    for info in sorted(dest.glob("*.dist-info")):
        found = [name for name in UV_CACHE_FILES if (info / name).is_file()]
        if _local_direct_url(info):
            found.append("direct_url.json")
        if not found:
            continue
        for name in found:
            (info / name).unlink()
        record = info / "RECORD"
        if record.is_file():
            gone = {f"{info.name}/{name}" for name in found}
            lines = record.read_text(encoding="utf-8").splitlines(keepends=True)
            replace_text(record, "".join(line for line in lines if line.split(",", 1)[0] not in gone))


def _offline_first(lock: Lock, dest: Path, args: list[str]) -> subprocess.CompletedProcess[str]:
    """uv's install, offline first when only wheels are installed: after a change of options or of one
    package every pinned wheel is usually in uv's cache, and offline uv does not ask the index about each
    pin (0.3 s of 1.3 s for the medium set here). A wheel it lacks makes it fail before installing
    anything; the folder is emptied anyway and the install runs online."""
    local = any(p.source and p.source.startswith("file:") for p in lock.pins)
    if not lock.build_from_source and not local:
        proc = run_uv([*args, "--offline"])
        if proc.returncode == 0:
            return proc
        shutil.rmtree(dest, ignore_errors=True)
        dest.mkdir(parents=True, exist_ok=True)
    return run_uv(args)


class WheelsInstaller(Installer):
    name = "wheels"

    def install(self, lock: Lock, target: Target, dest: Path, exclude: frozenset[str] = frozenset()) -> None:
        dest.mkdir(parents=True, exist_ok=True)
        if not (lock.names() - exclude):
            return
        with tempfile.TemporaryDirectory(prefix="layerbuild-req-") as tmp:
            reqs = Path(tmp) / "requirements.txt"
            from layerbuild.resolve.locked import wheel_urls_for
            from layerbuild.resolve.lockfile import install_text

            reqs.write_text(install_text(lock, exclude, wheel_urls_for(lock)))
            args = uv_install_args(lock, target, dest, reqs)
            proc = _offline_first(lock, dest, args)
        if proc.returncode != 0:
            from layerbuild.resolve.locked import refuse_unfit_locked_pins

            refuse_unfit_locked_pins(lock, proc.stderr)
            raise InstallError(f"installing for {target.runtime} {target.arch} failed: {first_error_line(proc.stderr)}")
        # Console scripts carry a shebang to this machine's Python: useless in /opt, and they make the
        # zip depend on where it was built.
        shutil.rmtree(dest / "bin", ignore_errors=True)
        (dest / ".lock").unlink(missing_ok=True)  # uv's lock file for the --target folder
        drop_uv_cache_files(dest)
        from layerbuild.resolve.target_wheels import wheels_the_target_rejects

        rejected = wheels_the_target_rejects(dest, target, set(lock.build_from_source))
        if rejected:
            raise InstallError(
                f"{'; '.join(rejected)}: not a wheel {target.describe()} can load; "
                "regenerate the lock with `layerbuild lock` for this target"
            )
        # Only read the tree when something was built here: the build indexes it once, after the install.
        built = distributions_in_dir(dest) if lock.build_from_source else []
        compiled = [d for d in built if d.name in lock.build_from_source and not d.pure]
        if compiled:
            names = ", ".join(f"{d.name} {d.version}" for d in compiled)
            raise NoCompatibleWheelError(
                f"{names}: no wheel runs on {target.runtime} {target.arch} and the sdist compiles native "
                "code, which must be built for Lambda: use --backend container (needs Docker)"
            )
