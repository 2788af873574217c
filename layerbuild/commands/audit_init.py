"""`layerbuild audit`'s handler-init gate: its flags (LB601-LB603, docs/coldstart.md) and the request they
make, checked before any long work."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from layerbuild.commands.coldstart import init_options

F = TypeVar("F", bound=Callable[..., Any])


def init_gate_options(f: F) -> F:
    """--memory, --runs, --max-init-ms/-growth/-share and the cold-start run options."""
    f = init_options(f)
    f = click.option(
        "--max-init-share",
        default=None,
        metavar="PCT",
        help="Warn when one package takes more than this share of init, e.g. 30% (LB603).",
    )(f)
    f = click.option(
        "--max-init-growth",
        default=None,
        metavar="PCT",
        help="Fail when init grew more than this since --baseline, e.g. 20% (LB602).",
    )(f)
    f = click.option(
        "--max-init-ms",
        default=None,
        metavar="MS",
        help="Fail when the handler's median init at --memory is longer (LB601).",
    )(f)
    f = click.option(
        "--runs", type=click.IntRange(1, 50), default=5, show_default=True, help="Init runs; medians are compared."
    )(f)
    f = click.option(
        "--memory",
        type=click.IntRange(128, 10240),
        default=128,
        show_default=True,
        help="With --code/--handler: the memory size (MB) whose CPU share init is measured at.",
    )(f)
    return f


def init_request(
    code: str | None,
    handlers: tuple[str, ...],
    memory: int,
    runs: int,
    event: str | None,
    timeout: float,
    settings: Any,
    baseline: str | None,
) -> tuple[Any, tuple[str, ...]]:
    """With --code, the `--handler MODULE.FUNCTION` whose init is measured (the other --handler values stay
    FILE[:FUNCTION] for LB501). Checked here, before any long work."""
    from layerbuild.audit.checks.init import InitRequest
    from layerbuild.errors import InputError

    wants_init = settings.max_init_ms is not None or settings.max_init_growth is not None
    wants_init = wants_init or settings.max_init_share is not None
    named = [h for h in handlers if ":" not in h and not h.endswith(".py") and not Path(h).is_file()]
    if code is None:
        if wants_init:
            raise InputError(
                "--max-init-ms/--max-init-growth/--max-init-share need --code DIR and --handler MODULE.FUNCTION"
            )
        return None, handlers
    if len(named) != 1:
        raise InputError("--code needs one --handler MODULE.FUNCTION (e.g. app.handler) whose init to measure")
    from layerbuild.measure.init.handler_init import check_handler_string

    check_handler_string(named[0])
    if not Path(code).exists():
        raise InputError(f"--code {code} does not exist: pass the function's folder or its deployment zip")
    if event and not Path(event).is_file():
        raise InputError(f"--event {event} does not exist: pass a JSON file with the event")
    if settings.max_init_growth is not None and not baseline:
        raise InputError("--max-init-growth needs --baseline: pass the audit JSON of a previous run")
    rest = tuple(h for h in handlers if h != named[0])
    return InitRequest(code, named[0], memory, runs, event, timeout), rest
