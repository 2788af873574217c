"""Benchmark: layerbuild against the recipes people use, in one run, with ratios (issue 15's "Must show").

For each configuration (default: the medium set on python3.12, the small set on python3.12, the medium
set on python3.11), each contender is timed `--runs` times, interleaved, and the median printed:

  sam build                       a one-function template with the same requirements.txt (benchmarks/
                                  contenders.py; `--sam PATH`, else build/tools/sam-venv, made by
                                  `--install-sam` with scripts/sam_tools.py, else `sam` on PATH)
  uv recipe, guide                uv's Lambda guide: --python-platform x86_64-manylinux2014 --target + zip -qr
  uv recipe, --only-binary        the same at the runtime's glibc (x86_64-manylinux_2_34) with --only-binary :all:
  pip --platform + zip            pip install --platform manylinux2014_x86_64 --only-binary=:all: --target + zip -qr
  layerbuild defaults             cold: an empty layerbuild cache (slim, bytecode, native and import checks)
  layerbuild like for like        cold, --slim none --bytecode none --no-verify: the recipes' work
  unchanged from a lock           the set's `layerbuild lock` file built again (cache hit; no resolution)
  unchanged from requirements.txt the defaults' command again (cache hit)
  incremental (+ one package)     the defaults' cache, then the set plus `six` (a small pure package)

Download caches are warm for every tool (one untimed round first) unless `--no-download-cache`; the
ratios are the contender's median over layerbuild's (defaults and like for like), so above 1 means
layerbuild is faster. The machine's load shows in every row alike; compare within one run. Each set
ends with a machine check: a fixed Python loop timed before and after it, so a slow run shows as one.

Usage: python benchmarks/run.py [--runs 3] [--configs medium:python3.12,small:python3.12,medium:python3.11]
                                [--sam PATH | --install-sam | --no-sam] [--no-download-cache] [--resolve]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from contenders import find_sam, pip_recipe, sam_build, uv_recipe  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SETS = {
    "small": ["requests", "pydantic>=2.5", "PyJWT>=2.8", "boto3"],
    "medium": ["requests", "pydantic", "numpy", "pandas"],
}
INCREMENT = "six"  # the one small package the incremental rebuild adds
LIKE_FOR_LIKE = ["--slim", "none", "--bytecode", "none", "--no-verify"]
DEFAULT_CONFIGS = "medium:python3.12,small:python3.12,medium:python3.11"


def _timed(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    took = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"benchmark command failed: {' '.join(cmd)}\n{proc.stderr[-2000:]}")
    return took


def layerbuild_build(reqs: Path, runtime: str, arch: str, out: Path, env: dict[str, str], extra: list[str]) -> float:
    cmd = [sys.executable, "-m", "layerbuild.cli", "-q", "build", str(reqs), "--runtime", runtime, "--arch", arch]
    return _timed([*cmd, "-o", str(out), "--format", "json", *extra], env)


def _lock_file(name: str, reqs: Path, runtime: str, arch: str, work: Path, env: dict[str, str]) -> Path:
    """The set's lock for the target, written once by `layerbuild lock` (untimed): built without resolving."""
    lock = work / f"{name}-lock" / "requirements.lock"
    lock.parent.mkdir()
    cmd = [sys.executable, "-m", "layerbuild.cli", "-q", "lock", str(reqs), "--runtime", runtime, "--arch", arch]
    _timed([*cmd, "-o", str(lock)], env)
    return lock


ROWS = (
    ("sam", "sam build"),
    ("uv-guide", "uv recipe, guide (manylinux2014)"),
    ("uv-binary", "uv recipe, --only-binary (runtime glibc)"),
    ("pip", "pip --platform manylinux2014 + zip"),
    ("defaults", "layerbuild defaults, cold"),
    ("like", "layerbuild like for like, cold"),
    ("lock-hit", "layerbuild unchanged, from a lock"),
    ("reqs-hit", "layerbuild unchanged, from requirements.txt"),
    ("incremental", f"layerbuild incremental (+ {INCREMENT})"),
)


def run_config(name: str, runtime: str, args: argparse.Namespace, sam: str | None) -> dict[str, float | str]:
    """Median seconds (or a failure's reason) of every row for one set and runtime."""
    arch = args.arch
    with tempfile.TemporaryDirectory(prefix=f"lb-bench-{name}-") as tmp:
        work = Path(tmp)
        reqs, more = work / name / "requirements.txt", work / f"{name}-more" / "requirements.txt"
        for path, lines in ((reqs, SETS[name]), (more, [*SETS[name], INCREMENT])):
            path.parent.mkdir()
            path.write_text("\n".join(lines) + "\n")
        env = {k: v for k, v in os.environ.items() if not k.startswith("LAYERBUILD_")}
        project = _lock_file(name, reqs, runtime, arch, work, env)
        recipes = {
            "sam": (lambda e, run: sam_build(sam, reqs, runtime, arch, work, run, e)) if sam else None,
            "uv-guide": lambda e, run: uv_recipe(reqs, runtime, arch, work, e, "guide"),
            "uv-binary": lambda e, run: uv_recipe(reqs, runtime, arch, work, e, "binary"),
            "pip": lambda e, run: pip_recipe(reqs, runtime, arch, work, e),
        }
        times: dict[str, list[float | str]] = {key: [] for key, _ in ROWS}
        # One untimed round warms every download cache; a recipe that fails (or runs out of time) then
        # is reported with its reason and not run again.
        for key, recipe in recipes.items():
            first = recipe(env, -1) if recipe else None
            if isinstance(first, str):
                times[key].append(first)
                recipes[key] = None
        if not args.no_download_cache:
            for source in (reqs, more, project):
                warm = {**env, "LAYERBUILD_CACHE_DIR": str(work / "warm-cache")}
                layerbuild_build(source, runtime, arch, work / "warm", warm, [])
        for run in range(args.runs):
            run_env = dict(env)
            if args.no_download_cache:
                run_env |= {"UV_CACHE_DIR": str(work / f"uv-cache-{run}"), "PIP_NO_CACHE_DIR": "1"}
            for key, recipe in recipes.items():
                if recipe is not None:
                    times[key].append(recipe(run_env, run))
            lb = {**run_env, "LAYERBUILD_CACHE_DIR": str(work / f"lb-cache-{run}")}
            out = work / f"out-{run}"
            times["defaults"].append(layerbuild_build(reqs, runtime, arch, out, lb, []))
            times["reqs-hit"].append(layerbuild_build(reqs, runtime, arch, out, lb, []))
            times["incremental"].append(layerbuild_build(more, runtime, arch, out, lb, []))
            layerbuild_build(project, runtime, arch, out, lb, [])  # the lock's own entry (untimed)
            times["lock-hit"].append(layerbuild_build(project, runtime, arch, out, lb, []))
            like = {**run_env, "LAYERBUILD_CACHE_DIR": str(work / f"lb-like-{run}")}
            times["like"].append(layerbuild_build(reqs, runtime, arch, work / f"like-{run}", like, LIKE_FOR_LIKE))
    medians: dict[str, float | str] = {}
    for key, found in times.items():
        failed = [t for t in found if isinstance(t, str)]
        if found:
            medians[key] = failed[0] if failed else statistics.median(t for t in found if not isinstance(t, str))
    return medians


def print_config(name: str, runtime: str, arch: str, medians: dict[str, float | str], runs: int) -> None:
    """A markdown table: each contender's median and layerbuild's ratios to it (above 1: layerbuild faster)."""
    print(f"\n## {name} set ({', '.join(SETS[name])}), {runtime} {arch}: median of {runs}")
    print("| contender | time | ÷ layerbuild defaults | ÷ like for like | uv recipes ÷ this (guide, --only-binary) |")
    print("|---|---|---|---|---|")

    def ratio(a: float | str | None, b: float | str | None) -> str:
        return f"{a / b:.2f}×" if isinstance(a, float) and isinstance(b, float) else ""

    for key, label in ROWS:
        value = medians.get(key)
        if value is None:
            continue
        if isinstance(value, str):
            print(f"| {label} | failed: {value} | | | |")
        elif key.startswith(("defaults", "like", "lock", "reqs", "incremental")):
            uv = [ratio(medians.get(k), value) or "–" for k in ("uv-guide", "uv-binary")]
            print(f"| {label} | {value:.2f} s | | | {', '.join(uv)} |")
        else:
            print(
                f"| {label} | {value:.2f} s | {ratio(value, medians.get('defaults'))} | {ratio(value, medians.get('like'))} | |"
            )


def machine_check() -> float:
    """Seconds for a fixed single-threaded Python loop: printed before and after each set, so a reader
    sees how fast the machine was during the run (on this 2-core VM such a loop's time varied by up to
    60% within one hour; ratios within a run hold better than absolute times)."""
    start = time.perf_counter()
    total = 0
    for i in range(5_000_000):
        total += i
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--configs", default=DEFAULT_CONFIGS, help="SET:RUNTIME,… [default: %(default)s]")
    parser.add_argument("--arch", default="x86_64")
    parser.add_argument("--no-download-cache", action="store_true")
    parser.add_argument("--sam", default=None, help="SAM CLI to compare with [default: build/tools/sam-venv, or PATH]")
    parser.add_argument(
        "--install-sam", action="store_true", help="make build/tools/sam-venv first (scripts/sam_tools.py)"
    )
    parser.add_argument("--no-sam", action="store_true", help="leave sam build out")
    parser.add_argument(
        "--resolve",
        action="store_true",
        help="only the cold-resolve comparison for Amazon Linux 2 (benchmarks/resolve.py)",
    )
    args = parser.parse_args()
    if args.resolve:
        script = str(Path(__file__).with_name("resolve.py"))
        subprocess.run([sys.executable, script, "--runs", str(args.runs), "--arch", args.arch], check=True)
        return
    sam = None if args.no_sam else find_sam(args.sam, args.install_sam)
    caches = "empty" if args.no_download_cache else "warm"
    print(f"# layerbuild vs the recipes ({args.runs} runs, medians; download caches {caches}; sam: {sam or 'none'})")
    for config in args.configs.split(","):
        name, _, runtime = config.partition(":")
        before = machine_check()
        results = run_config(name, runtime or "python3.12", args, sam)
        after = machine_check()
        print_config(name, runtime or "python3.12", args.arch, results, args.runs)
        print(f"\nmachine check (a fixed 5M-step Python loop): {before:.2f} s before this set, {after:.2f} s after")


if __name__ == "__main__":
    main()
