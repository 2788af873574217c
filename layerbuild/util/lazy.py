"""Load `module:attribute` on first use: commands and formats import their heavy code only when chosen."""

from __future__ import annotations

from importlib import import_module
from typing import Any


def load(spec: str) -> Any:
    module, _, attr = spec.partition(":")
    return getattr(import_module(module), attr)


def load_choice(table: dict[str, str], name: str, what: str) -> Any:
    """`table[name]` loaded; an unknown name is an input error listing the choices."""
    from layerbuild.errors import InputError

    if name not in table:
        raise InputError(f"unknown {what} {name!r}: choose one of {', '.join(table)}")
    return load(table[name])
