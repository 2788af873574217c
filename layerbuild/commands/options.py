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


PROJECT_FLAGS = ("extra", "group", "package", "include_project", "check_lock")


def project_options(f: F) -> F:
    """What a project manifest (pyproject.toml, uv.lock, poetry.lock, …) is built with."""
    f = click.option(
        "--no-check-lock",
        "check_lock",
        flag_value=False,
        default=None,
        help="Use a lock even when it is stale against its pyproject.toml.",
    )(f)
    f = click.option(
        "--include-project",
        is_flag=True,
        default=None,
        help="Also build the project itself into the layer [default: only its dependencies].",
    )(f)
    f = click.option("--package", default=None, metavar="MEMBER", help="The uv workspace member to build.")(f)
    f = click.option(
        "--group",
        multiple=True,
        metavar="NAME",
        help="Also install the dependency group NAME ([dependency-groups], Poetry groups). Repeatable.",
    )(f)
    f = click.option(
        "--extra",
        multiple=True,
        metavar="NAME",
        help="Also install the project's extra NAME ([project.optional-dependencies]). Repeatable.",
    )(f)
    return f


def handler_options(f: F) -> F:
    """The function's own code and handler: what `coldstart`, `report`, `audit` and `build` (for
    `--bytecode init`, `--prune unused` and `--function`) mean by them, everywhere the same."""
    f = click.option(
        "--handler",
        default=None,
        metavar="MODULE.FUNCTION",
        help="The function's handler as Lambda names it, e.g. app.handler or src/app.lambda_handler.",
    )(f)
    return code_option(f)


def code_option(f: F) -> F:
    """`--code` alone, for `audit`, whose `--handler` also takes FILE[:FUNCTION] (LB501)."""
    f = click.option(
        "--code",
        type=click.Path(),
        default=None,
        metavar="DIR_OR_ZIP",
        help="The function's code: its folder (what CodeUri names) or its deployment zip.",
    )(f)
    return f


def fan_out_options(f: F) -> F:
    """`build`'s flags for many CI runners (docs/ci-fan-out.md)."""
    f = click.option(
        "--cache-url",
        default=None,
        metavar="s3://BUCKET/PREFIX",
        help="Also read and write build results, compiled .pyc and import checks in this S3 location, shared "
        "by CI runners [env LAYERBUILD_CACHE_URL, config key cache-url] (docs/ci-fan-out.md).",
    )(f)
    f = click.option(
        "--only",
        default=None,
        metavar="LAYER",
        help="With --config: build only this planned layer (--runtime/--arch select it, they do not re-plan); "
        "one CI job of `layerbuild plan --format github-matrix` (docs/ci-fan-out.md).",
    )(f)
    return f
