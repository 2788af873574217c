"""Shared models."""
import attrs


@attrs.frozen
class Order:
    id: str
    total_cents: int

