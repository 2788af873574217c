"""Benchmark: layerbuild against `pip install --platform … --only-binary=:all: --target` + zip.

Both are measured in the same run, on the same requirement sets and target, and printed as ratios.

  cold       layerbuild with an empty layerbuild cache (resolve + install + zip) vs pip + zip;
             download caches warm for both tools (uv's cache, pip's HTTP cache), so the ratio
             measures the tools, not the network. `--no-download-cache` measures with empty download
             caches for both instead.
  unchanged  the same layerbuild command again (cache hit) vs pip + zip again.

Where SAM CLI is installed (`sam` on PATH, or `--sam PATH`), `sam build` of a one-function template
with the same requirements is timed too (cold: a fresh build folder; unchanged: `--cached` again).
A set SAM cannot build is reported as failed, with its reason.

Usage: python benchmarks/run.py [--runs 3] [--runtime python3.11] [--sets small,medium] [--no-download-cache]
                                [--sam PATH]
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
    from layerbuild.model.target import Target

    target = Target(runtime, arch)
    dest = work / "pip-target"
    shutil.rmtree(dest, ignore_errors=True)
    platforms = [arg for tag in target.platform_tags for arg in ("--platform", tag)]
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "-q",
        "--target",
        str(dest / "python"),
        "--implementation",
        "cp",
        "--python-version",
        target.python_version,
        "--only-binary=:all:",
        *platforms,
        "-r",
        str(reqs),
    ]
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


def layerbuild_build(reqs: Path, runtime: str, arch: str, out: Path, env: dict[str, str], extra: list[str]) -> float:
    cmd = [
        sys.executable,
        "-m",
        "layerbuild.cli",
        "-q",
        "build",
        str(reqs),
        "--runtime",
        runtime,
        "--arch",
        arch,
        "-o",
        str(out),
        "--format",
        "json",
        *extra,
    ]
    return _timed(cmd, env)


SAM_TEMPLATE = """AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: {{CodeUri: fn/, Handler: app.handler, Runtime: {runtime}, Architectures: [{arch}]}}
"""


def sam_build(sam: str, reqs: Path, runtime: str, arch: str, work: Path, run: int, env: dict[str, str]):
    """(cold seconds, unchanged seconds) of `sam build`, or the reason it failed."""
    project = work / f"sam-{run}"
    (project / "fn").mkdir(parents=True, exist_ok=True)
    shutil.copy(reqs, project / "fn" / "requirements.txt")
    (project / "fn" / "app.py").write_text("def handler(event, context):\n    return event\n")
    (project / "template.yaml").write_text(SAM_TEMPLATE.format(runtime=runtime, arch=arch))
    cmd = [
        sam,
        "build",
        "--template-file",
        str(project / "template.yaml"),
        "--build-dir",
        str(project / "build"),
        "--cache-dir",
        str(project / "cache"),
        "--cached",
    ]
    env = {**env, "SAM_CLI_TELEMETRY": "0"}
    times = []
    for _ in range(2):
        start = time.perf_counter()
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=project)
        if proc.returncode != 0:
            lines = [line for line in (proc.stderr + proc.stdout).splitlines() if "rror" in line]
            return (lines[-1] if lines else "failed")[:160]
        times.append(time.perf_counter() - start)
    return times[0], times[1]


def _from_uv_lock(name: str, work: Path, args: argparse.Namespace, env: dict[str, str], extra: list[str]):
    """(cold, unchanged) medians of building the set from a uv project's uv.lock (locked once, untimed)."""
    from layerbuild.util.uvtool import uv_binary

    project = work / f"{name}-uv"
    project.mkdir()
    deps = ", ".join(f'"{d}"' for d in SETS[name])
    (project / "pyproject.toml").write_text(
        f'[project]\nname = "{name}-uv"\nversion = "0"\nrequires-python = ">=3.10"\ndependencies = [{deps}]\n'
    )
    subprocess.run([uv_binary(), "lock", "-q", "--directory", str(project)], check=True, env=env)
    cold, hit = [], []
    for run in range(args.runs):
        run_env = {**env, "LAYERBUILD_CACHE_DIR": str(work / f"lb-lock-cache-{run}")}
        out = work / f"lock-out-{run}"
        cold.append(layerbuild_build(project, args.runtime, args.arch, out, run_env, extra))
        hit.append(layerbuild_build(project, args.runtime, args.arch, out, run_env, extra))
    return statistics.median(cold), statistics.median(hit)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--runtime", default="python3.11")
    parser.add_argument("--arch", default="x86_64")
    parser.add_argument("--sets", default="small,medium")
    parser.add_argument("--no-download-cache", action="store_true")
    parser.add_argument("--extra-args", default="", help="extra layerbuild build flags, e.g. '--bytecode none'")
    parser.add_argument("--sam", default=shutil.which("sam"), help="SAM CLI to compare with [default: sam on PATH]")
    parser.add_argument(
        "--resolve",
        action="store_true",
        help="only the cold-resolve comparison for Amazon Linux 2 (benchmarks/resolve.py)",
    )
    args = parser.parse_args()
    if args.resolve:
        subprocess.run(
            [
                sys.executable,
                str(Path(__file__).with_name("resolve.py")),
                "--runs",
                str(args.runs),
                "--runtime",
                args.runtime,
                "--arch",
                args.arch,
            ],
            check=True,
        )
        return
    extra = args.extra_args.split()

    print(
        f"# layerbuild vs pip --platform + zip  ({args.runtime} {args.arch}, {args.runs} runs, median; "
        f"download caches {'empty' if args.no_download_cache else 'warm'})"
    )
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
                layerbuild_build(
                    reqs,
                    args.runtime,
                    args.arch,
                    work / "warm",
                    {**env, "LAYERBUILD_CACHE_DIR": str(work / "warm-cache")},
                    extra,
                )
            pip_times, cold_times, hit_times, sam_results = [], [], [], []
            for run in range(args.runs):
                run_env = dict(env)
                if args.no_download_cache:
                    run_env["UV_CACHE_DIR"] = str(work / f"uv-cache-{run}")
                pip_times.append(pip_and_zip(reqs, args.runtime, args.arch, work, run_env, args.no_download_cache))
                run_env["LAYERBUILD_CACHE_DIR"] = str(work / f"lb-cache-{run}")
                cold_times.append(layerbuild_build(reqs, args.runtime, args.arch, work / f"out-{run}", run_env, extra))
                hit_times.append(layerbuild_build(reqs, args.runtime, args.arch, work / f"out-{run}", run_env, extra))
                if args.sam:
                    sam_results.append(sam_build(args.sam, reqs, args.runtime, args.arch, work, run, run_env))
            pip_s, cold_s, hit_s = (statistics.median(t) for t in (pip_times, cold_times, hit_times))
            print(f"{name:8} {pip_s:10.2f} {cold_s:8.2f} {pip_s / cold_s:6.1f}x {hit_s:12.2f} {pip_s / hit_s:7.1f}x")
            lock_cold, lock_hit = _from_uv_lock(name, work, args, env, extra)
            print(
                f"{'  uv.lock':8} {'':10} {lock_cold:8.2f} {pip_s / lock_cold:6.1f}x {lock_hit:12.2f} "
                f"{pip_s / lock_hit:7.1f}x   (the same set as a uv project: built from its lock, never resolved)"
            )
            if sam_results:
                failed = [r for r in sam_results if isinstance(r, str)]
                if failed:
                    print(f"{'':8} sam build failed: {failed[0]}")
                else:
                    sam_cold = statistics.median(r[0] for r in sam_results)
                    sam_hit = statistics.median(r[1] for r in sam_results)
                    print(
                        f"{'':8} sam build: cold {sam_cold:.2f} s ({sam_cold / cold_s:.1f}x layerbuild's), "
                        f"unchanged --cached {sam_hit:.2f} s ({sam_hit / hit_s:.1f}x layerbuild's)"
                    )


if __name__ == "__main__":
    main()
