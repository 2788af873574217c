"""Benchmark: how often the init gate flaps on this machine (issue 16: 0 false failures in 10 runs).

Builds the layer of tests/data/handlers/orders_api (requests, pydantic, tabulate) with the real CLI,
audits it once with `--code --handler` to make the baseline (its audit JSON), then runs the same gate
N times on the unchanged layer and code:

    layerbuild audit LAYER --code orders_api --handler app.handler --memory M --runs R \
        --max-init-growth 20% --baseline baseline.json

and prints, per run, the exit code, the median init, its spread, the empty-handler baseline and the
growth the gate computed (speed factor taken out), then the count of false failures and the spread of
raw medians (what a gate without the speed factor and noise margin would have compared).

    .venv/bin/python benchmarks/init_gate_noise.py [--gates 10] [--memory 512] [--runs 5] [--runtime python3.11]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from layerbuild.audit.checks.init import speed_factor

ROOT = Path(__file__).resolve().parent.parent
HANDLER = ROOT / "tests" / "data" / "handlers" / "orders_api"


def cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "layerbuild.cli", "-q", *args], capture_output=True, text=True, env=env, check=False
    )


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--gates", type=int, default=10)
    ap.add_argument("--memory", type=int, default=512)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--runtime", default="python3.11")
    ap.add_argument("--growth", default="20%")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="lb-init-noise-") as tmp:
        root = Path(tmp)
        env = {**os.environ, "LAYERBUILD_CACHE_DIR": os.environ.get("LAYERBUILD_CACHE_DIR", str(root / "cache"))}
        reqs = root / "orders" / "requirements.txt"
        reqs.parent.mkdir()
        shutil.copy(HANDLER / "requirements.txt", reqs)
        built = cli("build", str(reqs), "--runtime", a.runtime, "-o", str(root / "dist"), env=env)
        if built.returncode:
            print(built.stderr, file=sys.stderr)
            return 2
        (layer,) = (root / "dist").glob("*.zip")
        common = ["audit", str(layer), "--code", str(HANDLER), "--handler", "app.handler"]
        common += ["--memory", str(a.memory), "--runs", str(a.runs), "--format", "json"]
        baseline = root / "baseline.json"
        first = cli(*common, "-o", str(baseline), env=env)
        if first.returncode:
            print(first.stderr, file=sys.stderr)
            return 2
        then = json.loads(baseline.read_text())["init"]["memories"][0]
        print(
            f"baseline: init {then['init_ms']:.0f} ms ±{then['spread_ms'] / 2:.0f}, empty {then['baseline_ms']:.0f} ms"
        )
        failures, raw = 0, []
        for i in range(a.gates):
            run = cli(*common, "--max-init-growth", a.growth, "--baseline", str(baseline), env=env)
            data = json.loads(run.stdout)
            m = data["init"]["memories"][0]
            factor = speed_factor(m["baseline_ms"], then["baseline_ms"])
            growth = (m["init_ms"] / factor - then["init_ms"]) * 100 / then["init_ms"]
            raw.append(m["init_ms"])
            failures += run.returncode == 1
            print(
                f"gate {i + 1:2}: exit {run.returncode}  init {m['init_ms']:7.0f} ms ±{m['spread_ms'] / 2:5.0f}  "
                f"empty {m['baseline_ms']:5.0f} ms  factor {factor:4.2f}  growth {growth:+6.1f}%  "
                f"raw {(m['init_ms'] - then['init_ms']) * 100 / then['init_ms']:+6.1f}%"
            )
        raw_max = max(abs(x - then["init_ms"]) * 100 / then["init_ms"] for x in raw)
        print(f"false failures: {failures} of {a.gates}; largest raw median change {raw_max:.1f}% (gate at {a.growth})")
        return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
