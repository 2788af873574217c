"""What a layer costs at cold start: measured import times, and the modelled init time and price per memory.

Data only: `layerbuild.measure.coldstart` measures, `layerbuild.measure.cost_model` models
(docs/cold-start-model.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from layerbuild.facts.limits import MAX_INIT_MS


@dataclass(frozen=True)
class PackageImport:
    name: str  # distribution (normalized)
    modules: tuple[str, ...]  # the top-level modules imported
    import_ms: float | None  # median over the runs; None when nothing importable or every run failed
    runs_ms: tuple[float, ...] = ()
    error: str | None = None  # the first import error, one line


@dataclass(frozen=True)
class ImportMeasurement:
    measured: bool
    note: str  # how it was measured, or clearly why not
    python: str | None = None  # e.g. "3.11.2"
    runs: int = 0
    packages: tuple[PackageImport, ...] = ()
    layer_import_ms: float | None = None  # every module at once: shared dependencies counted once

    @property
    def import_ms(self) -> dict[str, float]:
        return {p.name: p.import_ms for p in self.packages if p.import_ms is not None}


def not_measured(reason: str) -> ImportMeasurement:
    return ImportMeasurement(measured=False, note=f"not measured: {reason}")


@dataclass(frozen=True)
class ColdStartEstimate:
    memory_mb: int
    arch: str
    vcpu: float  # CPU share at this memory
    init_ms: float  # modelled import time at this memory
    billed_ms: int  # rounded up to the billing granularity
    usd_per_million: float  # cost of that init duration for 1M cold starts (requests not included)

    @property
    def over_init_limit(self) -> bool:
        """Past Lambda's 10 s init limit: init is retried inside the first invoke instead."""
        return self.init_ms > MAX_INIT_MS
