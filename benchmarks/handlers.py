"""Benchmark (issue 16): the real handlers of examples/handlers, init time and size per bytecode mode
and what `--prune unused` removes, measured in one run. Prints the Markdown of docs/benchmarks.md's
"Handler init (issue 16)" section.

For each handler (FastAPI + Mangum + SQLAlchemy + pydantic, pandas ETL, aws-lambda-powertools):
  1. builds its requirements with the real CLI: `--bytecode none`, `--bytecode alongside`,
     `--bytecode init` (with `--code`, `--handler`, `--event events/*.json`), and `--bytecode init
     --prune unused` (same flags);
  2. measures init of the none / alongside / init layers with `layerbuild coldstart` at 1,769 MB (one
     full core under a cgroup CPU quota: Lambda's share there), a fresh interpreter per run, median of
     `--runs`, with the same run's empty-handler baseline;
  3. measures init per memory size (128, 512, 1769 MB, measured under the CPU quota) on the init layer;
  4. replays every event on the pruned layer in the Lambda-like sandbox (measure/init/sandbox.py) and
     counts the ones that pass (no exception, no 5xx).
Goals: init layer's init within 10 % of alongside; its zip within 5 % of none.

    .venv/bin/python benchmarks/handlers.py [--runs 5] [--memory 128,512,1769] [--only pandas_etl]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from layerbuild.model.target import Target  # noqa: E402
from layerbuild.util.units import human_bytes  # noqa: E402

HANDLERS = {  # folder -> handler
    "fastapi_api": "app.handler",
    "pandas_etl": "etl.handler",
    "powertools_api": "app.handler",
}
VARIANTS = ("none", "alongside", "init", "init+prune")
CLI = [sys.executable, "-m", "layerbuild.cli"]

_REPLAY = r"""
import importlib, json, sys
class Ctx:
    function_name = "layerbuild-coldstart"; function_version = "$LATEST"; memory_limit_in_mb = 1769
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:layerbuild-coldstart"
    aws_request_id = "bench"; log_group_name = "/aws/lambda/x"; log_stream_name = "s"
    def get_remaining_time_in_millis(self): return 30000
mod, _, fn = sys.argv[1].rpartition(".")
function = getattr(importlib.import_module(mod.replace("/", ".")), fn)
passed = 0
for path in sys.argv[2:]:
    try:
        result = function(json.load(open(path)), Ctx())
        passed += not (isinstance(result, dict) and isinstance(result.get("statusCode"), int) and result["statusCode"] >= 500)
    except Exception as exc:
        print("FAILED", path, type(exc).__name__, exc, file=sys.stderr)
sys.stdout.write("\n@@passed %d\n" % passed)
"""


def build(folder: Path, handler: str, variant: str, out: Path) -> dict:
    events = sorted(str(p) for p in (folder / "events").glob("*.json"))
    args = ["build", str(folder / "requirements.txt"), "-o", str(out), "--name", folder.name, "--format", "json"]
    mode = variant.split("+")[0]
    args += ["--bytecode", mode]
    if mode == "init" or "prune" in variant:
        args += ["--code", str(folder), "--handler", handler]
        for event in events:
            args += ["--event", event]
    if "prune" in variant:
        args += ["--prune", "unused"]
    proc = subprocess.run([*CLI, *args], capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{folder.name} {variant}: build failed: {proc.stderr.strip().splitlines()[-1:]}")
    zip_path = out / f"{folder.name}-python3.12-x86_64.zip"
    report = json.loads(proc.stdout)
    restored = [line for line in proc.stderr.splitlines() if "put back the pruned files" in line]
    return {"zip": zip_path, "zipped": zip_path.stat().st_size, "unzipped": report["layer"]["unzipped_bytes"],
            "report": report, "restored": restored, "command": "layerbuild " + " ".join(_short(a) for a in args)}  # fmt: skip


def _short(arg: str) -> str:
    return arg.replace(str(ROOT) + "/", "")


def coldstart(folder: Path, handler: str, layer: Path, memory: str, runs: int) -> dict:
    args = ["coldstart", "--code", str(folder), "--handler", handler, "--layer", str(layer)]
    args += ["--memory", memory, "--runs", str(runs), "--format", "json"]
    proc = subprocess.run([*CLI, *args], capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{folder.name}: coldstart failed: {proc.stderr.strip().splitlines()[-1:]}")
    data = json.loads(proc.stdout)
    data["command"] = "layerbuild " + " ".join(_short(a) for a in args)
    return data


def interleaved(folder: Path, handler: str, built: dict, runs: int, rounds: int) -> dict:
    """Init at 1,769 MB of the none / alongside / init layers, `rounds` coldstart calls each, taken in
    turn so that a slow moment of a shared machine hits all three alike; medians over every run."""
    import statistics

    samples: dict[str, dict[str, list[float]]] = {v: {"init": [], "base": []} for v in ("none", "alongside", "init")}
    for _ in range(rounds):
        for v, got in samples.items():
            m = coldstart(folder, handler, built[v]["zip"], "1769", runs)["memories"][0]
            got["init"] += m["runs_ms"]
            got["base"] += m["baseline_runs_ms"]
    return {
        v: {
            "memories": [
                {
                    "init_ms": statistics.median(got["init"]),
                    "baseline_ms": statistics.median(got["base"]),
                    "spread_ms": max(got["init"]) - min(got["init"]),
                    "n": len(got["init"]),
                }
            ]
        }  # fmt: skip
        for v, got in samples.items()
    }


def replay(folder: Path, handler: str, layer: Path) -> tuple[int, int]:
    from layerbuild.measure.init.sandbox import Sandbox

    events = sorted(str(p) for p in (folder / "events").glob("*.json"))
    with Sandbox(code=folder, layers=[layer], target=Target("python3.12", "x86_64"), handler=handler) as box:
        run = box.run(_REPLAY, [handler, *events], timeout=300)
    passed = [line for line in run.stdout.splitlines() if line.startswith("@@passed ")]
    return (int(passed[-1].split()[1]) if passed else 0), len(events)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3, help="coldstart calls per variant, interleaved")
    parser.add_argument("--memory", default="128,512,1769")
    parser.add_argument("--only", action="append", choices=sorted(HANDLERS))
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="lb-bench-handlers-") as tmp:
        for name in args.only or HANDLERS:
            folder, handler = ROOT / "examples" / "handlers" / name, HANDLERS[name]
            built = {v: build(folder, handler, v, Path(tmp) / name / v.replace("+", "-")) for v in VARIANTS}
            init = interleaved(folder, handler, built, args.runs, args.rounds)
            per_memory = coldstart(folder, handler, built["init"]["zip"], args.memory, args.runs)
            passed, total = replay(folder, handler, built["init+prune"]["zip"])
            rows.append((name, handler, built, init, per_memory, passed, total))
            print(f"{name}: done", file=sys.stderr)
    print(render(rows, args.runs))


def render(rows: list, runs: int) -> str:
    out = [
        "| handler | bytecode | init at 1,769 MB (median, spread) | baseline | zipped | unzipped |",
        "|---|---|---|---|---|---|",
    ]
    for name, _h, built, init, _pm, _p, _t in rows:
        for v in ("none", "alongside", "init"):
            m = init[v]["memories"][0]
            out.append(f"| {name} | {v} | {m['init_ms']:.0f} ms (±{m['spread_ms']:.0f}) | {m['baseline_ms']:.0f} ms | "
                       f"{human_bytes(built[v]['zipped'])} | {human_bytes(built[v]['unzipped'])} |")  # fmt: skip
    out += ["", "| handler | init/alongside (time) | init/none (zipped) | goal |", "|---|---|---|---|"]
    for name, _h, built, init, _pm, _p, _t in rows:
        t = init["init"]["memories"][0]["init_ms"] / init["alongside"]["memories"][0]["init_ms"]
        z = built["init"]["zipped"] / built["none"]["zipped"]
        out.append(
            f"| {name} | {t:.2f} | {z:.3f} | {'met' if t <= 1.10 and z <= 1.05 else 'missed'} (≤ 1.10, ≤ 1.05) |"
        )
    out += [
        "",
        "Init per memory size, `--bytecode init` layer, measured under the CPU quota (memory/1769 of a core):",
        "",
    ]
    memories = [m["memory"] for m in rows[0][4]["memories"]] if rows else []
    out += [
        "| handler | " + " | ".join(f"{m} MB" for m in memories) + " | measured |",
        "|---" * (len(memories) + 2) + "|",
    ]
    for name, _h, _b, _i, pm, _p, _t in rows:
        cells = [f"{m['init_ms']:.0f} ms" for m in pm["memories"]]
        out.append(
            f"| {name} | " + " | ".join(cells) + f" | {'yes' if pm['measured'] else 'no: ' + pm.get('note', '')} |"
        )
    out += ["", "| handler | `--prune unused`: unzipped before → after | zipped before → after | files removed | replays pass | put back |", "|---|---|---|---|---|---|"]  # fmt: skip
    for name, _h, built, _i, _pm, passed, total in rows:
        b, a = built["init"], built["init+prune"]
        files = sum(r["files"] for r in a["report"]["removed"] if r["rule"] == "unused")
        out.append(f"| {name} | {human_bytes(b['unzipped'])} → {human_bytes(a['unzipped'])} | {human_bytes(b['zipped'])} → "
                   f"{human_bytes(a['zipped'])} | {files} | {passed}/{total} | {len(a['restored']) or 'none'} |")  # fmt: skip
    n = rows[0][3]["init"]["memories"][0]["n"] if rows else 0
    out += ["", f"Init at 1,769 MB: {n} runs per figure (coldstart calls interleaved across the three layers); "
            f"per memory size: {runs} runs. Commands (per handler; events are events/*.json):", ""]  # fmt: skip
    for name, _h, built, _i, pm, _p, _t in rows:
        out.append(f"- {name}: `{built['init+prune']['command']}`; `{pm['command']}`")
    return "\n".join(out)


if __name__ == "__main__":
    main()
