"""Flags several commands share."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from layerbuild.facts.runtimes import ARCHITECTURES, RUNTIMES

F = TypeVar("F", bound=Callable[..., Any])


def target_options(f: F) -> F:
    f = click.option(
        "--arch",
        type=click.Choice(list(ARCHITECTURES)),
        default=None,
        help="Lambda architecture [default: x86_64, or the config's].",
    )(f)
    f = click.option(
        "--runtime",
        type=click.Choice(list(RUNTIMES)),
        default=None,
        help="Lambda runtime [default: python3.12, or the config's].",
    )(f)
    return f


def config_option(f: F) -> F:
    return click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False),
        default=None,
        help="pyproject.toml ([tool.layerbuild]) or layerbuild.toml to read settings from.",
    )(f)
