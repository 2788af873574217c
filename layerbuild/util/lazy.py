"""Load `module:attribute` on first use: commands and formats import their heavy code only when chosen."""

from __future__ import annotations

import threading
from collections.abc import Iterable
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


def import_soon(modules: Iterable[str]) -> threading.Thread:
    """Import `modules` in a thread, now: for a stage's modules while the main thread only waits on a child
    (uv installing), so they are loaded before the stage runs instead of on its way. A module that fails
    to import here fails again where it is used, and says so there."""

    def run() -> None:
        for name in modules:
            try:
                import_module(name)
            except Exception:  # noqa: BLE001,S112 - raised again by the import that needs it
                continue

    thread = threading.Thread(target=run, name="layerbuild-import-soon")
    thread.start()
    return thread
