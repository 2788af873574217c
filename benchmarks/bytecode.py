"""Benchmark: what slimming saves and what shipped bytecode buys at import, measured in one run.

Builds the medium set (requests, pydantic, numpy, pandas) for one runtime four ways with the real CLI:
  slim none + bytecode none     the baseline for size
  slim safe + bytecode none     the baseline for import time
  slim safe + bytecode alongside
  slim safe + bytecode only
then imports every top-level module of each layer in a fresh interpreter of the runtime's version,
with only the layer on sys.path and no bytecode writing (`-I -S -B`; `-B` is PYTHONDONTWRITEBYTECODE=1,
which `-I` would ignore as an environment variable), as Lambda's read-only /opt forces. The variants
are interleaved run by run so machine load hits them alike; medians are printed with the ratios.

Goals (issue 3): safe/none unzipped <= 0.85; alongside/none import time <= 0.5.

    .venv/bin/python benchmarks/bytecode.py [--runs 7] [--runtime python3.11] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from layerbuild.tree.distributions import distributions_in_dir  # noqa: E402
from layerbuild.util.interpreters import find_interpreter, interpreter_version  # noqa: E402
from layerbuild.util.units import human_bytes  # noqa: E402
from layerbuild.verify.smoke import modules_to_import  # noqa: E402

MEDIUM = ["requests", "pydantic", "numpy", "pandas"]
VARIANTS = {  # name -> build flags
    "slim none, no .pyc": ["--slim", "none", "--bytecode", "none"],
    "slim safe, no .pyc": ["--slim", "safe", "--bytecode", "none"],
    "slim safe, .pyc alongside": ["--slim", "safe", "--bytecode", "alongside"],
    "slim safe, .pyc only": ["--slim", "safe", "--bytecode", "only"],
}
TIMED = ["slim safe, no .pyc", "slim safe, .pyc alongside", "slim safe, .pyc only"]
IMPORT_ALL = """
import sys, time, importlib
modules = sys.argv[2:]
sys.path[:] = [sys.argv[1]] + [p for p in sys.path if p]
start = time.perf_counter()
for name in modules:
    importlib.import_module(name)
print(time.perf_counter() - start)
"""


def build(reqs: Path, out: Path, runtime: str, flags: list[str], cache: Path) -> dict:
    env = dict(os.environ, LAYERBUILD_CACHE_DIR=str(cache))
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "layerbuild.cli",
            "-q",
            "build",
            str(reqs),
            "--runtime",
            runtime,
            "-o",
            str(out),
            "--name",
            "medium",
            *flags,
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    if proc.returncode != 0:
        sys.exit(f"build {' '.join(flags)} failed: {proc.stderr.strip()}")
    return json.loads(next(out.glob("*.report.json")).read_text())


def time_imports(python: Path, layer: Path, modules: list[str]) -> float:
    proc = subprocess.run(
        [str(python), "-I", "-S", "-B", "-c", IMPORT_ALL, str(layer), *modules],
        capture_output=True,
        text=True,
        env={"PATH": os.environ.get("PATH", ""), "PYTHONDONTWRITEBYTECODE": "1"},
        cwd=layer.parent,
    )
    if proc.returncode != 0:
        sys.exit(f"importing from {layer} failed: {proc.stderr.strip().splitlines()[-1:]}")
    return float(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--runtime", default="python3.11")
    parser.add_argument("--keep", help="keep the layers in this folder")
    args = parser.parse_args()
    version = args.runtime.removeprefix("python")
    python = find_interpreter(version)
    if python is None:
        sys.exit(f"needs a Python {version} interpreter to compile and to time imports")
    with tempfile.TemporaryDirectory(prefix="lb-bench-bytecode-") as tmp:
        work = Path(args.keep) if args.keep else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        reqs = work / "requirements.txt"
        reqs.write_text("".join(f"{r}\n" for r in MEDIUM))
        reports, layers = {}, {}
        for i, (name, flags) in enumerate(VARIANTS.items()):
            out = work / f"v{i}"
            reports[name] = build(reqs, out, args.runtime, flags, work / "cache")
            layers[name] = out / "layer"
            with zipfile.ZipFile(next(out.glob("*.zip"))) as zf:
                zf.extractall(layers[name])
        tree = layers[TIMED[0]] / "python"
        modules = [m for m, _ in modules_to_import(tree, distributions_in_dir(tree))]
        times: dict[str, list[float]] = {name: [] for name in TIMED}
        for run in range(args.runs):
            order = TIMED if run % 2 == 0 else list(reversed(TIMED))
            for name in order:
                times[name].append(time_imports(python, layers[name] / "python", modules))

        print(f"medium set ({', '.join(MEDIUM)}) for {args.runtime} x86_64, Python {interpreter_version(python)}")
        print(f"{len(modules)} top-level modules imported per run, {args.runs} runs, median\n")
        print(f"{'variant':28} {'unzipped':>10} {'zipped':>10} {'import':>9}")
        for name in VARIANTS:
            layer = reports[name]["layer"]
            t = f"{statistics.median(times[name]):.3f} s" if name in times else "-"
            print(
                f"{name:28} {human_bytes(layer['unzipped_bytes']):>10} {human_bytes(layer['zipped_bytes']):>10} {t:>9}"
            )
        base = reports["slim none, no .pyc"]["layer"]["unzipped_bytes"]
        safe = reports["slim safe, no .pyc"]["layer"]["unzipped_bytes"]
        none_t = statistics.median(times["slim safe, no .pyc"])
        along_t = statistics.median(times["slim safe, .pyc alongside"])
        only_t = statistics.median(times["slim safe, .pyc only"])
        size_ratio, time_ratio = safe / base, along_t / none_t
        print(
            f"\nslim safe / slim none, unzipped:     {size_ratio:.3f}  (goal <= 0.85: "
            f"{'met' if size_ratio <= 0.85 else 'MISSED'})"
        )
        print(
            f".pyc alongside / no .pyc, import:    {time_ratio:.3f}  (goal <= 0.50: "
            f"{'met' if time_ratio <= 0.5 else 'MISSED'})"
        )
        print(f".pyc only / no .pyc, import:         {only_t / none_t:.3f}")
        removed = reports["slim safe, no .pyc"]["removed"]
        by_rule: dict[str, int] = {}
        for row in removed:
            by_rule[row["rule"]] = by_rule.get(row["rule"], 0) + row["bytes"]
        print(
            "\nremoved by slim safe: "
            + ", ".join(f"{r} {human_bytes(b)}" for r, b in sorted(by_rule.items(), key=lambda kv: -kv[1]))
        )


if __name__ == "__main__":
    main()
