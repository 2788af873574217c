"""Benchmark: layerbuild against `pip install --platform … --only-binary=:all: --target` + zip.

Both are measured in the same run, on the same requirement sets and target, and printed as ratios.

  cold       layerbuild with an empty layerbuild cache (resolve + install + zip) vs pip + zip;
             download caches warm for both tools (uv's cache, pip's HTTP cache), so the ratio
             measures the tools, not the network. `--no-download-cache` measures with empty download
             caches for both instead.
  unchanged  the same layerbuild command again (cache hit) vs pip + zip again.

Usage: python benchmarks/run.py [--runs 3] [--runtime python3.11] [--sets small,medium] [--no-download-cache]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETS = {
    "small": ["requests", "pydantic>=2.5", "PyJWT>=2.8", "boto3"],
    "medium": ["requests", "pydantic", "numpy", "pandas"],
}


def _timed(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    took = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"benchmark command failed: {' '.join(cmd)}\n{proc.stderr[-2000:]}")
    return took


def pip_and_zip(reqs: Path, runtime: str, arch: str, work: Path, env: dict[str, str], no_cache: bool) -> float:
    """The baseline most guides give: pip --platform for the runtime's manylinux tags, then zip -r."""
    sys.path.insert(0, str(ROOT))
    from layerbuild.targets import Target

    target = Target(runtime, arch)
    dest = work / "pip-target"
    shutil.rmtree(dest, ignore_errors=True)
    platforms = [arg for tag in target.platform_tags for arg in ("--platform", tag)]
    cmd = [sys.executable, "-m", "pip", "install", "-q", "--target", str(dest / "python"), "--implementation", "cp",
           "--python-version", target.python_version, "--only-binary=:all:", *platforms, "-r", str(reqs)]
    if no_cache:
        cmd.append("--no-cache-dir")
    start = time.perf_counter()
    _timed(cmd, env)
    out = work / "pip-layer.zip"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(dest.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(dest).as_posix())
    return time.perf_counter() - start


def layerbuild_build(reqs: Path, runtime: str, arch: str, out: Path, env: dict[str, str],
                     extra: list[str]) -> float:
    cmd = [sys.executable, "-m", "layerbuild.cli", "-q", "build", str(reqs), "--runtime", runtime, "--arch", arch,
           "-o", str(out), "--format", "json", *extra]
    return _timed(cmd, env)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--runtime", default="python3.11")
    parser.add_argument("--arch", default="x86_64")
    parser.add_argument("--sets", default="small,medium")
    parser.add_argument("--no-download-cache", action="store_true")
    parser.add_argument("--extra-args", default="", help="extra layerbuild build flags, e.g. '--bytecode none'")
    args = parser.parse_args()
    extra = args.extra_args.split()

    print(f"# layerbuild vs pip --platform + zip  ({args.runtime} {args.arch}, {args.runs} runs, median; "
          f"download caches {'empty' if args.no_download_cache else 'warm'})")
    print(f"{'set':8} {'pip+zip s':>10} {'cold s':>8} {'ratio':>7} {'unchanged s':>12} {'ratio':>8}")
    for name in args.sets.split(","):
        with tempfile.TemporaryDirectory(prefix=f"lb-bench-{name}-") as tmp:
            work = Path(tmp)
            reqs = work / name / "requirements.txt"
            reqs.parent.mkdir()
            reqs.write_text("\n".join(SETS[name]) + "\n")
            env = dict(os.environ)
            # Warm the download caches once (unless measuring with none), outside the timings.
            if not args.no_download_cache:
                pip_and_zip(reqs, args.runtime, args.arch, work, env, False)
                layerbuild_build(reqs, args.runtime, args.arch, work / "warm",
                                 {**env, "LAYERBUILD_CACHE_DIR": str(work / "warm-cache")}, extra)
            pip_times, cold_times, hit_times = [], [], []
            for run in range(args.runs):
                run_env = dict(env)
                if args.no_download_cache:
                    run_env["UV_CACHE_DIR"] = str(work / f"uv-cache-{run}")
                pip_times.append(pip_and_zip(reqs, args.runtime, args.arch, work, run_env, args.no_download_cache))
                run_env["LAYERBUILD_CACHE_DIR"] = str(work / f"lb-cache-{run}")
                cold_times.append(layerbuild_build(reqs, args.runtime, args.arch, work / f"out-{run}", run_env, extra))
                hit_times.append(layerbuild_build(reqs, args.runtime, args.arch, work / f"out-{run}", run_env, extra))
            pip_s, cold_s, hit_s = (statistics.median(t) for t in (pip_times, cold_times, hit_times))
            print(f"{name:8} {pip_s:10.2f} {cold_s:8.2f} {pip_s / cold_s:6.1f}x {hit_s:12.2f} {pip_s / hit_s:7.1f}x")


if __name__ == "__main__":
    main()
