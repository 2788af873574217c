"""Flags several commands share."""

from __future__ import annotations

import click

from layerbuild.facts.runtimes import ARCHITECTURES, RUNTIMES


def target_options(f):
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


def config_option(f):
    return click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False),
        default=None,
        help="pyproject.toml ([tool.layerbuild]) or layerbuild.toml to read settings from.",
    )(f)
