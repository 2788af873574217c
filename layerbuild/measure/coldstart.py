"""What each dependency costs at cold start, measured: import time per distribution and for the whole layer.

For every distribution, its top-level modules are imported in a fresh interpreter of the target's minor
version, with `-X importtime`, `-S` (no site-packages of this machine) and only the layer on `sys.path`,
with `PYTHONDONTWRITEBYTECODE=1` (Lambda's /opt is read-only, so modules without a valid .pyc are
compiled on every cold start). Several runs, the median is kept. Importing runs the layer's code, just
as Lambda would. The modelled time and price per memory size are in cost_model.py.
"""

from __future__ import annotations

import os
import platform
import re
import statistics
import subprocess
import tempfile
import zipfile
from pathlib import Path

from layerbuild.model.coldstart import ImportMeasurement, PackageImport, not_measured
from layerbuild.model.inventory import UNOWNED, Inventory
from layerbuild.model.target import Target

DEFAULT_RUNS = 5
# Top-level names that are never imported by an application: importing them measures nothing useful.
_NOT_IMPORTED = frozenset({"tests", "test", "conftest", "setup", "docs", "examples", "benchmarks"})
_MARKER = "@@layerbuild-imports-start"
_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def _import_script(modules: list[str]) -> str:
    # A marker separates the interpreter's own start-up imports from ours; errors go to stdout, one a line.
    return (
        "import sys\n"
        f"sys.stderr.write('\\n{_MARKER}\\n'); sys.stderr.flush()\n"
        f"for _m in {modules!r}:\n"
        "    try:\n"
        "        __import__(_m)\n"
        "    except BaseException as _e:\n"
        "        sys.stdout.write('%s\\t%s: %s\\n' % (_m, type(_e).__name__, str(_e).replace('\\n', ' ')[:300]))\n"
    )


def parse_importtime(stderr: str) -> float:
    """Milliseconds spent in the top-level imports after the marker (cumulative, shared modules once)."""
    _, found, tail = stderr.partition(_MARKER)
    total_us = 0
    for line in (tail if found else stderr).splitlines():
        match = _LINE.match(line)
        if match and len(match.group(3)) <= 1:  # one space after "|": a top-level import
            total_us += int(match.group(2))
    return total_us / 1000


def _run_once(
    python: Path, modules: list[str], pythonpath: list[str], cwd: str, timeout: float
) -> tuple[float, str | None]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": os.pathsep.join(pythonpath),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1",
        "LANG": "C.UTF-8",
        "HOME": cwd,
        "TZ": "UTC",
    }
    try:
        proc = subprocess.run(
            [str(python), "-S", "-s", "-B", "-X", "importtime", "-c", _import_script(modules)],
            capture_output=True,
            text=True,
            env=env,
            cwd=cwd,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return 0.0, f"import took longer than {timeout:.0f} s"
    error = proc.stdout.strip().splitlines()[0] if proc.stdout.strip() else None
    if proc.returncode != 0 and not error:
        error = (proc.stderr.strip().splitlines() or ["exit %d" % proc.returncode])[-1][:300]
    return parse_importtime(proc.stderr), error


def _sys_path(root: Path, inventory: Inventory, target: Target) -> list[str]:
    """The layer's site folders, in the order Lambda puts /opt's on sys.path (the deeper one first)."""
    sites = {d.site for d in inventory.distributions if d.name != UNOWNED}
    for candidate in (f"python/lib/python{target.python_version}/site-packages/", "python/"):
        if (root / candidate).is_dir():
            sites.add(candidate)
    if not sites:
        sites.add("")
    return [str(root / s) for s in sorted(sites, key=len, reverse=True)]


def importable_modules(top_level: tuple[str, ...]) -> list[str]:
    return [m for m in top_level if m not in _NOT_IMPORTED and m.isidentifier()]


def measure_imports(
    path: Path, inventory: Inventory, target: Target | None, *, runs: int = DEFAULT_RUNS, timeout: float = 120.0
) -> ImportMeasurement:
    """Measured import time per distribution, or a measurement that says clearly why there is none."""
    from layerbuild.util.interpreters import find_interpreter, interpreter_version

    if target is None:
        return not_measured("the target runtime is unknown (pass --runtime)")
    python = find_interpreter(target.python_version)
    if python is None:
        return not_measured(
            f"no Python {target.python_version} interpreter on this machine "
            f"(install one, e.g. `uv python install {target.python_version}`)"
        )
    has_native = any(d.native_libs for d in inventory.distributions)
    if has_native and platform.machine() != target.machine:
        return not_measured(
            f"the layer's native libraries are built for {target.machine}, this machine is {platform.machine()}"
        )
    wanted = [(d.name, importable_modules(d.top_level)) for d in inventory.distributions if d.name != UNOWNED]
    with tempfile.TemporaryDirectory(prefix="layerbuild-imports-") as tmp:
        root = Path(path)
        if not root.is_dir():
            root = Path(tmp) / "layer"
            with zipfile.ZipFile(path) as zf:
                zf.extractall(root)
        cwd = Path(tmp) / "cwd"  # an empty working folder: `-c` puts it first on sys.path
        cwd.mkdir()
        pythonpath = _sys_path(root, inventory, target)
        samples: dict[str, list[float]] = {name: [] for name, mods in wanted if mods}
        errors: dict[str, str] = {}
        whole: list[float] = []
        hung: set[str] = set()  # an import that timed out once is not tried again (it may wait on a network)
        # Interleave the runs so that a slow moment of the machine spreads over all packages.
        for _ in range(runs):
            for name, mods in wanted:
                if not mods or name in hung:
                    continue
                ms, error = _run_once(python, mods, pythonpath, str(cwd), timeout)
                if error:
                    errors.setdefault(name, error)
                    if error.startswith("import took longer"):
                        hung.add(name)
                else:
                    samples[name].append(ms)
            every = [m for name, mods in wanted if name not in hung for m in mods]
            if every:
                ms, error = _run_once(python, every, pythonpath, str(cwd), timeout)
                whole.append(ms)
    packages = []
    for name, mods in wanted:
        got = samples.get(name, [])
        packages.append(
            PackageImport(
                name=name,
                modules=tuple(mods),
                import_ms=round(statistics.median(got), 2) if got else None,
                runs_ms=tuple(round(x, 2) for x in got),
                error=errors.get(name),
            )
        )
    version = interpreter_version(python)
    return ImportMeasurement(
        measured=True,
        note=(
            f"measured: Python {version} at {python}, -X importtime, -S, PYTHONDONTWRITEBYTECODE=1, "
            f"only the layer on sys.path, median of {runs} run{'s' if runs != 1 else ''} on this machine "
            f"({platform.machine()})"
        ),
        python=version,
        runs=runs,
        packages=tuple(packages),
        layer_import_ms=round(statistics.median(whole), 2) if whole else None,
    )
