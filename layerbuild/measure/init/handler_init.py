"""Measure a handler's init as Lambda runs it, at each memory size under Lambda's CPU share.

Every run is a fresh interpreter in the sandbox (sandbox.py) running probe.py with `-X importtime`.
First one check run without a quota: a handler that raises at import, names no function, hangs (killed
after `timeout`) or tries the network is one clear line (InitFailed, exit 2) before anything is timed.
Then, per memory size, `runs` pairs of runs under a cgroup CPU quota of Lambda's share (cpu_quota.py):
the handler, and an empty handler whose whole-process time is the same run's baseline (what this
machine's noise does to an interpreter start under that quota). Medians and spreads are kept. Where no
quota can be set, the runs go unthrottled and each memory size is modelled from their median
(cost_model.py's stretch), `measured: false`, and the note says why.

Per package: self time of its modules (`-X importtime`, median at the largest memory size measured),
modules and bytes loaded; packages of the layers no module of which init imported are listed.
"""

from __future__ import annotations

import json
import math
import os
import re
import statistics
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from layerbuild.errors import InputError
from layerbuild.facts.prices import PRICES
from layerbuild.measure.init.probe import END_MARK, PROBE, RESULT_MARK, START_MARK
from layerbuild.measure.init.sandbox import Sandbox, SandboxRun
from layerbuild.model.handler_init import CODE, RUNTIME_SUFFIX, STDLIB, HandlerInit, MemoryInit, PackageInit
from layerbuild.model.inventory import UNOWNED
from layerbuild.model.target import Target

DEFAULT_RUNS = 5
DEFAULT_TIMEOUT = 60.0
_HANDLER = re.compile(r"^[A-Za-z_][\w/.]*\.[A-Za-z_]\w*$")
_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|\s*(\S+)")
_EMPTY = "m = type(sys)('layerbuild_empty_handler'); m.handler = lambda e, c: None\n"
_EMPTY += "sys.modules['layerbuild_empty_handler'] = m\n"


class InitFailed(InputError):
    """The handler's init cannot be measured: it raised, hung, tried the network, or names no function."""


def check_handler_string(handler: str) -> None:
    if not _HANDLER.match(handler or "") or handler.endswith("/"):
        raise InputError(
            f"--handler {handler!r} names no function: write MODULE.FUNCTION as Lambda does, e.g. app.handler"
        )


def _result(run: SandboxRun) -> dict[str, object] | None:
    for line in reversed(run.stdout.splitlines()):
        if line.startswith(RESULT_MARK):
            value = json.loads(line[len(RESULT_MARK) :])
            return value if isinstance(value, dict) else None
    return None


def _judge(run: SandboxRun, handler: str, timeout: float) -> dict[str, object]:
    """The probe's result, or InitFailed with one line for whatever went wrong."""
    if run.timed_out:
        raise InitFailed(
            f"handler {handler}: init did not finish in {timeout:.0f} s (the module hangs at import); the process "
            "was killed: find what it waits on, or raise --init-timeout"
        )
    if run.network:
        raise InitFailed(
            f"handler {handler} tries the network at init (connect to {run.network[0]}, refused in the sandbox): "
            "create connections inside the handler or lazily, so init can be measured offline"
        )
    result = _result(run)
    if result is None:
        last = (run.stderr.strip().splitlines() or [f"exit {run.returncode}"])[-1][:300]
        raise InitFailed(f"handler {handler}: the interpreter ended before init finished: {last}")
    if not result.get("ok"):
        error = str(result.get("error"))
        if result.get("kind") == "attribute":
            raise InitFailed(f"--handler {handler} names no function: {error}; check the name after the last dot")
        if result.get("kind") == "not-callable":
            raise InitFailed(f"--handler {handler} names no function: {error}")
        if (
            error.startswith(("ModuleNotFoundError: No module named", "ImportError"))
            and "line" not in error.split(":")[0]
        ):
            raise InitFailed(
                f"handler {handler} fails at import: {error} (is the module in --code, the package in a --layer?)"
            )
        raise InitFailed(f"handler {handler} raises at import: {error}")
    return result


def importtime_self_us(stderr: str) -> dict[str, int]:
    """Self time (µs) of every module `-X importtime` lists between the init markers."""
    _, _, tail = stderr.partition(START_MARK)
    body, _, _ = tail.partition(END_MARK)
    out: dict[str, int] = {}
    for line in body.splitlines():
        m = _LINE.match(line)
        if m:
            out[m.group(3)] = out.get(m.group(3), 0) + int(m.group(1))
    return out


class _Owners:
    """Which package a module file belongs to: the code, a layer's distribution, the runtime's SDK, stdlib."""

    def __init__(self, box: Sandbox) -> None:
        from layerbuild.measure.inventory import inventory_of_dir

        self.task = os.path.join(str(box.task_root), "")
        self.opt = os.path.join(str(box.opt), "")
        self.sdk = os.path.join(os.path.realpath(box.runtime_dir), "") if box.runtime_dir.exists() else None
        self.layer_inv = inventory_of_dir(box.opt, measure_zipped=False)
        self.layer_files = {f.path: f.distribution for f in self.layer_inv.files}
        self.sdk_files: dict[str, str] = {}
        if self.sdk:
            inv = inventory_of_dir(Path(self.sdk), measure_zipped=False)
            self.sdk_files = {f.path: f.distribution for f in inv.files}

    def of(self, path: str) -> tuple[str, str]:
        real = path
        if self.sdk and os.path.realpath(path).startswith(self.sdk):
            real = os.path.realpath(path)
        if real.startswith(self.task):
            return CODE, "code"
        for root, files, source in ((self.opt, self.layer_files, "layer"), (self.sdk, self.sdk_files, "runtime")):
            if root and real.startswith(root):
                rel = real[len(root) :]
                dist = files.get(rel, UNOWNED)
                if dist == UNOWNED:
                    parts = rel.split("/")
                    site = 4 if rel.startswith("python/lib/") else 1 if source == "layer" else 0
                    dist = parts[site].removesuffix(".py") if len(parts) > site else rel
                return (dist + RUNTIME_SUFFIX if source == "runtime" else dist), source
        return STDLIB, "stdlib"


def _billed(init_ms: float, memory: int, arch: str) -> tuple[int, float]:
    billed = math.ceil(init_ms - 1e-9)
    return billed, billed / 1000 * memory / 1024 * PRICES[arch].usd_per_gb_second * 1_000_000


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 2) if values else 0.0


def measure_handler_init(
    *,
    code: str | Path | None,
    handler: str,
    layers: list[str | Path] | tuple[str | Path, ...],
    target: Target,
    memory_sizes: tuple[int, ...],
    runs: int = DEFAULT_RUNS,
    event: Path | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    progress: Callable[[str], None] | None = None,
) -> HandlerInit:
    from layerbuild.facts.limits import MEMORY_MB_PER_VCPU
    from layerbuild.measure.init.cpu_quota import quota_unavailable
    from layerbuild.util.interpreters import interpreter_version

    check_handler_string(handler)
    if event is not None and not Path(event).is_file():
        raise InputError(f"--event {event} does not exist: pass a JSON file with the event to invoke the handler with")
    args = [handler, str(Path(event).resolve())] if event else [handler]
    say = progress or (lambda _: None)
    with Sandbox(code=code, layers=list(layers), target=target, handler=handler, memory_mb=max(memory_sizes)) as box:
        _judge(box.run(PROBE, args, timeout=timeout), handler, timeout)
        no_quota = quota_unavailable()
        samples: dict[int, list[tuple[SandboxRun, dict[str, object]]]] = defaultdict(list)
        baselines: dict[int, list[float]] = defaultdict(list)
        for memory in memory_sizes if not no_quota else (max(memory_sizes),):
            share = box.cpu_share(memory) if not no_quota else None
            say(f"measuring init at {memory} MB" + (f" (CPU quota {share:.3f} cores)" if share else ""))
            # The check run finished within `timeout` at full speed: under a share of a core it may take
            # 1/share as long, and that is a slow init, not a hang.
            slow = timeout / min(1.0, share) if share else timeout
            for _ in range(runs):
                run = box.run(PROBE, args, timeout=slow, cpu_share=share, memory_mb=memory, importtime=True)
                samples[memory].append((run, _judge(run, handler, slow)))
                empty = box.run(_EMPTY + PROBE, ["layerbuild_empty_handler.handler"], timeout=slow,
                                cpu_share=share, memory_mb=memory, importtime=True)  # fmt: skip
                baselines[memory].append(round(empty.wall_s * 1000, 2))
        owners = _Owners(box)
        top = max(samples)
        per_pkg: dict[str, list[float]] = defaultdict(list)
        modules_of: dict[str, int] = defaultdict(int)
        bytes_of: dict[str, int] = defaultdict(int)
        source_of: dict[str, str] = {}
        imported_dists: set[str] = set()
        for i, (run, result) in enumerate(samples[top]):
            self_us = importtime_self_us(run.stderr)
            totals: dict[str, float] = defaultdict(float)
            for name, path, size in result["modules"]:  # type: ignore[attr-defined]
                pkg, source = owners.of(str(path)) if path else (STDLIB, "stdlib")
                totals[pkg] += self_us.get(name, 0) / 1000
                if i == 0:
                    modules_of[pkg] += 1
                    bytes_of[pkg] += int(size)
                    source_of[pkg] = source
                    if source == "layer":
                        imported_dists.add(pkg)
            for pkg in source_of:
                per_pkg[pkg].append(totals.get(pkg, 0.0))
        python = interpreter_version(box.python)
        sdk_note = box.sdk_note
        network = box.network_isolation
    packages = sorted(
        (PackageInit(p, source_of[p], _median(per_pkg[p]), modules_of[p], bytes_of[p]) for p in source_of),
        key=lambda p: (-p.self_ms, p.name),
    )
    never = tuple(
        sorted(d.name for d in owners.layer_inv.distributions if d.name != UNOWNED and d.name not in imported_dists)
    )
    memories = []
    for memory in memory_sizes:
        if no_quota:
            runs_ms = tuple(round(float(r["init_ms"]), 2) for _, r in samples[top])  # type: ignore[arg-type]
            stretch = max(1.0, MEMORY_MB_PER_VCPU / memory)
            init_ms, spread, base = _median(list(runs_ms)) * stretch, 0.0, baselines[top]
            quota = period = cpu = None
        else:
            got = samples[memory]
            runs_ms = tuple(round(float(r["init_ms"]), 2) for _, r in got)  # type: ignore[arg-type]
            init_ms, spread, base = _median(list(runs_ms)), round(max(runs_ms) - min(runs_ms), 2), baselines[memory]
            first = got[0][0].cpu
            quota, period = (first.quota_us, first.period_us) if first else (None, None)
            usage = [r.cpu.usage_ns / 1e6 for r, _ in got if r.cpu and r.cpu.usage_ns is not None]
            cpu = _median(usage) if usage else None
        got_invokes = (r.get("invoke_ms") for _, r in samples[top if no_quota else memory])
        invokes = [float(v) for v in got_invokes if isinstance(v, (int, float))]
        billed, usd = _billed(init_ms, memory, target.arch)
        memories.append(
            MemoryInit(
                memory=memory,
                cpu_share=round(box.cpu_share(memory), 4),
                measured=not no_quota,
                init_ms=round(init_ms, 2),
                runs_ms=runs_ms,
                spread_ms=spread,
                baseline_ms=_median(base) if base else None,
                baseline_runs_ms=tuple(base),
                billed_ms=billed,
                usd_per_million=round(usd, 6),
                quota_us=quota,
                period_us=period,
                cpu_ms=cpu,
                invoke_ms=_median(invokes) if invokes else None,
            )
        )
    invoke_error = next((str(r["invoke_error"]) for _, r in samples[top] if r.get("invoke_error")), None)
    how = (
        f"measured: a fresh Python {python} per run in a Lambda-like sandbox, under a cgroup CPU quota of "
        f"memory/{MEMORY_MB_PER_VCPU} of a core per memory size, median of {runs} runs"
        if not no_quota
        else f"modelled: no CPU quota could be set ({no_quota}); init measured unthrottled, median of {runs} "
        f"runs, stretched by {MEMORY_MB_PER_VCPU}/memory below {MEMORY_MB_PER_VCPU} MB (docs/cold-start-model.md)"
    )
    return HandlerInit(
        handler=handler,
        runtime=target.runtime,
        arch=target.arch,
        python=python,
        runs=runs,
        note=how,
        memories=tuple(memories),
        packages=tuple(packages),
        never_imported=never,
        modules=sum(modules_of.values()),
        bytes_loaded=sum(bytes_of.values()),
        code=str(code or ""),
        layers=tuple(str(layer) for layer in layers),
        runtime_sdk=sdk_note,
        invoke_error=invoke_error,
        network=network,
    )
