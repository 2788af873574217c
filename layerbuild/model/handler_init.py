"""A function's init as measured in the Lambda-like sandbox: per memory size, per package, first invoke.

Data only: `layerbuild.measure.init.handler_init` measures; `report/formats/coldstart.py` renders; the
audit's init checks read it. The JSON schema is documented in docs/coldstart.md.
"""

from __future__ import annotations

from dataclasses import dataclass

CODE = "(function code)"
STDLIB = "(standard library)"
RUNTIME_SUFFIX = " (runtime)"  # a package of the runtime's own SDK, e.g. "boto3 (runtime)"


@dataclass(frozen=True)
class PackageInit:
    """What one package costs at init: self time of its modules (`-X importtime`), modules, bytes read."""

    name: str  # distribution (normalized), or CODE / STDLIB / "NAME (runtime)"
    source: str  # "layer", "code", "runtime" or "stdlib"
    self_ms: float  # median over the runs, at the largest memory size measured
    modules: int
    bytes_loaded: int  # size of the files its modules were loaded from (.pyc when present, else .py, .so)


@dataclass(frozen=True)
class MemoryInit:
    """Init at one memory size: measured under Lambda's CPU share, or modelled (`measured` False)."""

    memory: int  # MB
    cpu_share: float  # cores Lambda gives at this memory (capped at this machine's cores)
    measured: bool
    init_ms: float  # median: import of the handler module and resolving the handler
    runs_ms: tuple[float, ...]
    spread_ms: float  # max - min over the runs (0 when modelled)
    baseline_ms: float | None  # median init of an empty handler in the same runs (the machine's noise)
    baseline_runs_ms: tuple[float, ...]
    billed_ms: int
    usd_per_million: float  # that billed init for 1M cold starts at this memory and arch
    quota_us: int | None = None  # the CPU quota the kernel held (read back), per period_us
    period_us: int | None = None
    cpu_ms: float | None = None  # median CPU time the init process used (cgroup accounting)
    invoke_ms: float | None = None  # median first invoke with --event


@dataclass(frozen=True)
class HandlerInit:
    handler: str
    runtime: str
    arch: str
    python: str  # full version of the interpreter that ran it
    runs: int
    note: str  # how it was measured, or why it was modelled
    memories: tuple[MemoryInit, ...]
    packages: tuple[PackageInit, ...]  # most self time first
    never_imported: tuple[str, ...]  # distributions of the layers no module of which init imported
    modules: int  # modules init imported in all
    bytes_loaded: int
    code: str = ""
    layers: tuple[str, ...] = ()
    runtime_sdk: str = ""  # "" when the runtime's boto3 family was on sys.path, else why not
    invoke_error: str | None = None  # the handler's own exception line at the first invoke
    network: str = "refused (audit hook on socket connect/lookup to non-loopback hosts)"

    def at(self, memory: int) -> MemoryInit | None:
        return next((m for m in self.memories if m.memory == memory), None)

    @property
    def measured(self) -> bool:
        return any(m.measured for m in self.memories)
