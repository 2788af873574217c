"""The modelled cold-start time and price per memory size, from a measured import time.

Model (docs/cold-start-model.md): import work is single-threaded CPU work, and Lambda gives a function
memory/1,769 of a vCPU, so below 1,769 MB the measured time stretches by 1,769/memory; above, more
vCPUs do not speed one thread up. The cost is the billed init duration × memory × the price per GB-s.
"""

from __future__ import annotations

import math

from layerbuild.errors import InputError
from layerbuild.facts.limits import MAX_MEMORY_MB, MEMORY_MB_PER_VCPU, MIN_MEMORY_MB
from layerbuild.facts.prices import PRICES
from layerbuild.model.coldstart import ColdStartEstimate

DEFAULT_MEMORY_MB = (128, 256, 512, 1024, 1769, 3008)


def parse_memory_list(text: str | None) -> tuple[int, ...]:
    """`"128,512,1769"` → (128, 512, 1769); each between Lambda's 128 and 10,240 MB."""
    if not text:
        return DEFAULT_MEMORY_MB
    sizes = []
    for part in text.split(","):
        part = part.strip().lower().removesuffix("mb").strip()
        if not part:
            continue
        if not part.isdigit() or not MIN_MEMORY_MB <= int(part) <= MAX_MEMORY_MB:
            raise InputError(
                f"--memory {text!r}: each size must be a whole number of MB from {MIN_MEMORY_MB} "
                f"to {MAX_MEMORY_MB}, e.g. --memory 128,512,1769"
            )
        sizes.append(int(part))
    if not sizes:
        raise InputError(f"--memory {text!r} names no memory size: e.g. --memory 128,512,1769")
    return tuple(sorted(set(sizes)))


def vcpu_share(memory_mb: int) -> float:
    return memory_mb / MEMORY_MB_PER_VCPU


def estimate(
    import_ms: float, memory_mb: tuple[int, ...] = DEFAULT_MEMORY_MB, arches: tuple[str, ...] = ("x86_64", "arm64")
) -> tuple[ColdStartEstimate, ...]:
    """The modelled init time and its price for 1M cold starts, per memory size and architecture.

    init_ms = import_ms × max(1, 1769 / memory); billed = ceil(init_ms);
    usd per 1M = billed / 1000 s × memory / 1024 GB × price per GB-s × 1,000,000.
    """
    rows = []
    for arch in arches:
        price = PRICES[arch]
        for memory in memory_mb:
            init_ms = import_ms * max(1.0, MEMORY_MB_PER_VCPU / memory)
            billed = math.ceil(init_ms - 1e-9)
            usd = billed / 1000 * memory / 1024 * price.usd_per_gb_second * 1_000_000
            rows.append(ColdStartEstimate(memory, arch, round(vcpu_share(memory), 3), init_ms, billed, usd))
    return tuple(rows)
