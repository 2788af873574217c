"""Does each locked registry version have a wheel for the target? A uv.lock names every file of each
version, so this is answered from the lock alone (no index): a version none of whose wheels runs on any
machine asked about is built from its locked sdist (`--no-binary NAME`, which the build sends to the build
container under --backend auto), or, with no sdist locked either, refused in one line naming the locked
version and the newest version on the index that has such a wheel (the only case that asks the index)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from layerbuild.errors import InputError

if TYPE_CHECKING:
    from layerbuild.model.target import Target
    from layerbuild.resolve.inputs.uv_lock import Package


def targets_for(python_version: str, machines: tuple[str, ...]) -> list[Target]:
    """The Lambda targets of a Python version and machines (none when no runtime runs that Python)."""
    from layerbuild.facts.runtimes import ARCHITECTURES, RUNTIMES
    from layerbuild.model.target import Target

    short = ".".join(python_version.split(".")[:2])
    runtime = next((r for r, facts in RUNTIMES.items() if facts[0] == short), None)
    arch_of = {machine: arch for arch, machine in ARCHITECTURES.items()}
    return [Target(runtime, arch_of[m]) for m in machines] if runtime else []


def _wheel_names(pkg: Package) -> list[str]:
    return [str(w.get("filename") or str(w.get("url", "")).rsplit("/", 1)[-1]) for w in pkg.get("wheels", [])]


def without_wheels(packages: list[Package], targets: list[Target], index_args: tuple[str, ...]) -> list[str]:
    """`--no-binary NAME` lines for the registry packages no target has a wheel of; refusal when one has no
    sdist in the lock either."""
    if not targets:
        return []
    unfit = [
        p
        for p in packages
        if "registry" in p.get("source", {}) and not any(t.accepts(n) for t in targets for n in _wheel_names(p))
    ]
    for pkg in unfit:
        if "sdist" not in pkg:
            _refuse(pkg, targets[0], index_args)
    return [f"--no-binary {p['name']}" for p in unfit]


def _refuse(pkg: Package, target: Target, index_args: tuple[str, ...]) -> None:
    from packaging.version import Version

    from layerbuild.resolve.index_files import IndexSettings, accepted_by_version, list_projects

    name, version = pkg["name"], pkg.get("version")
    files = list_projects([name], IndexSettings.from_args(index_args)).get(name) or []
    _, good = accepted_by_version(name, files, target.accepts)
    newest = max(good, key=Version, default=None)
    where = f"the newest version with one is {newest}" if newest else "no version on the index has one"
    raise InputError(
        f"{name}=={version} is locked in uv.lock without a wheel that runs on {target.describe()} and "
        f"without its sdist ({where}): update it in the lock (`uv lock --upgrade-package {name}`)"
    )
