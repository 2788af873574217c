"""Lambda prices: the one table the cold-start cost estimate reads.

Source: AWS Lambda pricing page (https://aws.amazon.com/lambda/pricing/), region us-east-1, first
duration tier (the first 6 billion GB-seconds a month), as read on PRICES_AS_OF. Other regions and
the cheaper higher tiers differ: the report says which price it used.
Init (cold start) duration is billed like invoke duration since 2025-08-01 for ZIP functions on managed
runtimes (AWS Compute Blog, "AWS Lambda standardizes billing for INIT Phase", 2025-04).
Duration is billed in 1 ms increments, rounded up (AWS announcement, 2020-12-01).
"""

from __future__ import annotations

from dataclasses import dataclass

PRICES_SOURCE = "https://aws.amazon.com/lambda/pricing/ (us-east-1, first tier)"
PRICES_AS_OF = "2025-08-01"
PRICES_REGION = "us-east-1"
BILLING_GRANULARITY_MS = 1
INIT_BILLED_SINCE = "2025-08-01"


@dataclass(frozen=True)
class Price:
    usd_per_gb_second: float
    usd_per_million_requests: float


PRICES: dict[str, Price] = {
    "x86_64": Price(usd_per_gb_second=0.0000166667, usd_per_million_requests=0.20),
    "arm64": Price(usd_per_gb_second=0.0000133334, usd_per_million_requests=0.20),
}
