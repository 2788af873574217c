"""pylock.toml (PEP 751, lock-version 1.x) as locked lines.

Each package whose `marker` holds on the runtime (PEP 751's `extras`/`dependency_groups` marker values come
from --extra/--group, else `default-groups`) is listed with the hashes of the wheels the target accepts;
a package with none but an sdist is listed with the sdist's hash (built from it under --backend auto). A
lock whose `environments` or `requires-python` exclude the runtime is refused in one line. A file named
pylock.toml that is requirements text (as `uv export -o pylock.toml` once wrote) is read as requirements.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from layerbuild.errors import InputError
from layerbuild.facts.pep503 import canonicalize_name
from layerbuild.model.target import RUNTIMES, Target
from layerbuild.model.target import marker_environment as marker_env
from layerbuild.resolve.inputs import Manifest, ProjectOptions
from layerbuild.resolve.inputs.locked_lines import MACHINES, Chosen, file_url, load_toml, per_machine
from layerbuild.resolve.lockfile import LOCK_MARKER


def read(path: Path, options: ProjectOptions, python_version: str) -> Manifest:
    text = path.read_text(encoding="utf-8", errors="replace")
    if _looks_like_requirements(text):
        return Manifest("requirements", path, tuple(text.splitlines()), False)
    lock = load_toml(path, "pylock.toml")
    version = lock.get("lock-version")
    if version is None or not isinstance(lock.get("packages", []), list):
        raise InputError(
            f"{path} is TOML but not a PEP 751 lock (no lock-version): name a pylock.toml or requirements file"
        )
    if str(version).split(".")[0] != "1":
        raise InputError(f"{path}: unknown pylock.toml lock-version {version} (this layerbuild reads 1.x)")
    requires = lock.get("requires-python")
    if requires and not _python_in(requires, python_version):  # `inputs.open_source` refuses it in one line
        return Manifest("pylock.toml", path, (), True, requires_python=requires)
    envs = lock.get("environments") or []
    machines = tuple(
        m for m in MACHINES if not envs or any(_holds(e, python_version, m, options, lock, path) for e in envs)
    )
    if not machines:
        raise InputError(
            f"{path} is locked for {' or '.join(envs)}, not Linux on Python {python_version}: lock it for the target"
        )
    for group in options.groups:
        if group not in lock.get("dependency-groups", []):
            raise InputError(f"{path}: no dependency group {group!r} in the lock")
    targets = [
        Target(rt, arch) for rt, facts in RUNTIMES.items() if facts[0] == python_version for arch in ("x86_64", "arm64")
    ]

    def select(machine: str) -> dict[str, Chosen]:
        chosen: dict[str, Chosen] = {}
        fits = [t for t in targets if t.machine == machine]
        for pkg in lock.get("packages", []):
            if _holds(pkg.get("marker"), python_version, machine, options, lock, path):
                if pkg.get("requires-python") and not _python_in(pkg["requires-python"], python_version):
                    continue
                c = _chosen(pkg, fits, path)
                chosen[c.name] = c
        return chosen

    unfit: list[_Unfit] = []
    for machine in machines:  # a lock with no wheel for one machine (made for the other) is a lock for the other
        try:
            select(machine)
        except _Unfit as exc:
            unfit.append(exc)
    if len(unfit) == len(machines):
        raise unfit[0]
    if unfit:
        machines = tuple(m for m in machines if m != unfit[0].machine)
    lines = per_machine(select, machines)
    if len(machines) == 1:  # a lock for one machine: `lock_from_file` refuses it for the other in one line
        runtime = next(rt for rt, facts in RUNTIMES.items() if facts[0] == python_version)
        arch = "x86_64" if machines[0] == "x86_64" else "arm64"
        lines.insert(0, f"{LOCK_MARKER} runtime={runtime} arch={arch}")
    indexes = sorted({p["index"] for p in lock.get("packages", []) if p.get("index")} - {"https://pypi.org/simple"})
    index_args = tuple(a for url in indexes for a in ("--extra-index-url", url))  # may hold secrets: never print
    return Manifest("pylock.toml", path, tuple(lines), True, requires_python=requires, index_args=index_args)


class _Unfit(InputError):
    def __init__(self, machine: str, message: str) -> None:
        super().__init__(message)
        self.machine = machine


def _looks_like_requirements(text: str) -> bool:
    """Requirements text, not TOML: its first real line is a requirement or an option, not a TOML key/table."""
    import re

    for line in text.splitlines():
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        return not (s.startswith("[") or re.match(r"^[A-Za-z0-9_.\"'-]+\s*=(?!=)", s))
    return False


def _holds(
    marker: str | None, python: str, machine: str, options: ProjectOptions, lock: dict[str, Any], path: Path
) -> bool:
    if not marker:
        return True
    from packaging.markers import InvalidMarker, Marker, UndefinedEnvironmentName

    env: dict[str, Any] = marker_env(python, machine)
    env["extras"] = set(options.extras)
    env["dependency_groups"] = set(options.groups or lock.get("default-groups", []))
    try:
        return Marker(marker).evaluate(env, context="lock_file")
    except (InvalidMarker, UndefinedEnvironmentName) as exc:
        raise InputError(f"{path}: cannot read the marker {marker!r} ({exc})") from None


def _python_in(spec: str, python: str) -> bool:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        return SpecifierSet(spec).contains(f"{python}.0", prereleases=True)
    except InvalidSpecifier:
        raise InputError(f"cannot read requires-python {spec!r}") from None


def _chosen(pkg: dict[str, Any], fits: list[Target], path: Path) -> Chosen:
    name = canonicalize_name(pkg["name"])
    if "directory" in pkg:
        return Chosen(name, f"{name} @ {file_url(path.parent, pkg['directory']['path'])}")
    if "vcs" in pkg:
        vcs = pkg["vcs"]
        url = vcs.get("url") or file_url(path.parent, vcs["path"])
        return Chosen(name, f"{name} @ {vcs['type']}+{url}@{vcs['commit-id']}")
    if "archive" in pkg:
        a = pkg["archive"]
        url = a.get("url") or file_url(path.parent, a["path"])
        return Chosen(name, f"{name} @ {url}", _sha256(a, name, path))
    if not pkg.get("version"):
        raise InputError(f"{path}: {name} has no version, wheel or source the lock names")
    hashes: list[str] = []
    for wheel in pkg.get("wheels", []):
        filename = wheel.get("name") or (wheel.get("url") or wheel.get("path") or "").rsplit("/", 1)[-1]
        if any(t.accepts(filename) for t in fits):
            hashes.extend(_sha256(wheel, name, path))
    if not hashes and "sdist" in pkg:
        hashes.extend(_sha256(pkg["sdist"], name, path))
    if not hashes and pkg.get("wheels") and not any(t.uv_is_exact for t in fits):
        # Amazon Linux 2: `lock_from_file` checks the wheels against the index and refuses in one line naming
        # the newest version that has one for the target.
        hashes.extend(h for w in pkg["wheels"] for h in _sha256(w, name, path))
    if not hashes:
        where = " or ".join(t.describe() for t in fits)
        raise _Unfit(
            fits[0].machine,
            f"{path}: {name}=={pkg['version']} is locked without a wheel that runs on {where} and without its sdist",
        )
    return Chosen(name, f"{name}=={pkg['version']}", tuple(hashes))


def _sha256(entry: dict[str, Any], name: str, path: Path) -> tuple[str, ...]:
    sha = (entry.get("hashes") or {}).get("sha256")
    if not sha:
        raise InputError(f"{path}: a file of {name} has no sha256 hash: regenerate the lock")
    return (f"sha256:{sha}",)
