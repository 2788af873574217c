"""Benchmark: the cold resolve for an Amazon Linux 2 runtime, before and after glibc-2.26-exact wheel choice.

  before  `layerbuild lock` as it was before the AL2 fix (`--baseline-rev`, default 3efda25, unpacked from
          git into a temporary folder): one `uv pip compile --python-platform ARCH-manylinux_2_17`
          (safe, but blind to 2_24/2_26 wheels);
  now     `layerbuild lock` with an empty layerbuild cache: uv at manylinux_2_28, every offered wheel
          checked against the runtime's tags, versions without a fitting wheel excluded, hashes cut down.
Both run in the same process tree, interleaved, with uv's download cache warm (the ratio measures the
tools, not the network), and the versions each chose are printed side by side.

Usage: python benchmarks/resolve.py [--runs 5] [--runtime python3.11] [--arch x86_64] [--set medium]
                                    [--baseline-rev 3efda25]
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.run import SETS  # noqa: E402


def _pins(text: str) -> dict[str, str]:
    from layerbuild.resolve.lockfile import parse_lock_text

    pins, _ = parse_lock_text(text)
    return {p.name: p.version or "" for p in pins}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--runtime", default="python3.11")
    parser.add_argument("--arch", default="x86_64")
    parser.add_argument("--set", default="medium", choices=sorted(SETS))
    parser.add_argument("--baseline-rev", default="3efda25", help="the layerbuild commit to compare with")
    args = parser.parse_args()

    from layerbuild.model.target import Target

    target = Target(args.runtime, args.arch)
    with tempfile.TemporaryDirectory(prefix="lb-bench-resolve-") as tmp:
        work = Path(tmp)
        baseline = work / "baseline"
        baseline.mkdir()
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", args.baseline_rev, "layerbuild"], capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(baseline)], input=archive, check=True)
        reqs = work / "requirements.txt"
        reqs.write_text("\n".join(SETS[args.set]) + "\n")
        outs = {"before": work / "before.lock", "now": work / "now.lock"}
        paths = {"before": str(baseline), "now": str(ROOT)}
        times: dict[str, list[float]] = {"before": [], "now": []}
        for run in range(args.runs + 1):  # run 0 warms uv's cache for both
            for which in ("before", "now"):
                env = {
                    **os.environ,
                    "LAYERBUILD_CACHE_DIR": str(work / f"lb-cache-{which}-{run}"),
                    "PYTHONPATH": paths[which],
                }
                start = time.perf_counter()
                subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "layerbuild.cli",
                        "-q",
                        "lock",
                        str(reqs),
                        "--runtime",
                        args.runtime,
                        "--arch",
                        args.arch,
                        "-o",
                        str(outs[which]),
                    ],
                    capture_output=True,
                    text=True,
                    env=env,
                    check=True,
                    cwd=work,
                )
                if run:
                    times[which].append(time.perf_counter() - start)
        before_s, now_s = statistics.median(times["before"]), statistics.median(times["now"])
        print(
            f"# cold resolve (`layerbuild lock`, empty layerbuild cache, uv cache warm) of the {args.set} set "
            f"for {target.describe()}, {args.runs} runs interleaved, median"
        )
        print(f"{'before (' + args.baseline_rev + ', manylinux_2_17)':34} {before_s:6.2f} s")
        print(f"{'now':34} {now_s:6.2f} s   ratio {now_s / before_s:.2f}x")
        before_pins, now_pins = _pins(outs["before"].read_text()), _pins(outs["now"].read_text())
        changed = [
            f"{n} {before_pins.get(n, '-')} -> {v}" for n, v in sorted(now_pins.items()) if before_pins.get(n) != v
        ]
        print("versions that changed: " + (", ".join(changed) if changed else "none"))


if __name__ == "__main__":
    main()
