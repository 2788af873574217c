"""Planning speed and quality for many functions: 50 functions drawing from 120 packages.

Resolution and measuring are excluded (they are cached per package in real use: see
layerbuild/package_sizes.py); this times the planning algorithm alone (`plan.plan_layers`) on a
synthetic config that makes it work hard: popular packages used by many functions, a long tail used
by few, so exact-user-set grouping gives most functions more than 5 layers and forces merges; some
functions pin other versions; some keep existing layers.

It prints the time against the 1 s goal, and the plan's bytes against two baselines computed in the
same run: every function shipping all its dependencies (no sharing), and one layer holding every
package (each function loads everything).

    .venv/bin/python benchmarks/plan.py [--functions 50] [--packages 120] [--seed 7] [--repeat 5]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from layerbuild.plan.algorithm import plan_layers  # noqa: E402
from layerbuild.plan.check import check_plan  # noqa: E402
from layerbuild.plan.model import FunctionNeeds, Package  # noqa: E402
from layerbuild.util.units import human_bytes  # noqa: E402

GOAL_SECONDS = 1.0


def synthetic(n_functions: int, n_packages: int, seed: int) -> list[FunctionNeeds]:
    rng = random.Random(seed)
    # Sizes: log-normal around 1 MB, from a few KB to ~40 MB (numpy/pandas-like at the top).
    sizes = [min(int(rng.lognormvariate(13.8, 1.6)), 40_000_000) for _ in range(n_packages)]
    # Popularity: Zipf-like, so a few packages (requests, urllib3…) are used by most functions.
    weights = [1 / (i + 1) ** 0.8 for i in range(n_packages)]
    functions = []
    for f in range(n_functions):
        count = rng.randint(5, 30)
        chosen: set[int] = set()
        while len(chosen) < count:
            chosen.add(rng.choices(range(n_packages), weights)[0])
        packages = []
        for i in sorted(chosen):
            # One function in ten pins an older version of one of its packages: never shared.
            version = "1.0" if (f % 10 == 0 and i == min(chosen)) else "2.0"
            packages.append(Package(f"pkg-{i:03d}", version, sizes[i], sizes[i] // 3))
        existing = tuple(f"arn:aws:lambda:us-east-1:123456789012:layer:ext{k}:1" for k in range(f % 3))
        functions.append(
            FunctionNeeds(
                f"fn-{f:02d}",
                "python3.12",
                "x86_64",
                tuple(packages),
                code_bytes=rng.randint(5_000, 2_000_000),
                existing_layers=existing,
            )
        )
    return functions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--functions", type=int, default=50)
    parser.add_argument("--packages", type=int, default=120)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    functions = synthetic(args.functions, args.packages, args.seed)
    used = {p.name for f in functions for p in f.packages}
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        plan = plan_layers(functions)
        times.append(time.perf_counter() - start)
    problems = check_plan(plan, functions)

    median = statistics.median(times)
    shared = [layer for layer in plan.layers if layer.kind == "shared"]
    merged = [layer for layer in shared if layer.why.startswith("merged")]
    stored = sum(layer.unzipped_bytes for layer in plan.layers) + sum(
        p.unzipped_bytes for f in plan.functions for p in f.bundled
    )
    no_sharing = sum(f.dependency_bytes for f in functions)
    everything = sum({(p.name, p.version): p.unzipped_bytes for f in functions for p in f.packages}.values())
    one_layer_unused = sum(everything - f.dependency_bytes for f in functions)
    plan_unused = sum(f.unused_bytes for f in plan.functions)

    print(
        f"synthetic config: {len(functions)} functions, {len(used)} packages used (of {args.packages}), "
        f"seed {args.seed}"
    )
    print(
        f"plan time: median {median * 1000:.1f} ms, first {times[0] * 1000:.1f} ms over {args.repeat} runs "
        f"-> {median / GOAL_SECONDS:.3f} of the {GOAL_SECONDS:.0f} s goal"
    )
    print(
        f"layers: {len(plan.layers)} ({len(shared)} shared, {len(merged)} of them merged to fit 5 per function); "
        f"max per function {max(f.layer_count for f in plan.functions)}; "
        f"{sum(1 for f in plan.functions if f.bundled)} functions bundle their own packages"
    )
    print(
        f"bytes stored: {human_bytes(stored)} vs {human_bytes(no_sharing)} with no sharing "
        f"(ratio {stored / no_sharing:.2f})"
    )
    print(
        f"bytes functions load but do not use: {human_bytes(plan_unused)} vs {human_bytes(one_layer_unused)} "
        f"with one layer of everything (ratio {plan_unused / one_layer_unused:.3f})"
    )
    print(
        f"not shared (version clashes): {len(plan.not_shared)}; plan check: "
        + ("every function sees its whole closure once, within limits" if not problems else f"{len(problems)} problems")
    )
    if problems:
        sys.exit(1)


if __name__ == "__main__":
    main()
