"""`layerbuild build --config/--sam`: every planned layer (or `--only` one, a CI job), and what it prints."""

from __future__ import annotations

from typing import Any

import click


def build_plan(
    config_path: str | None, sam_path: str | None, flags: dict[str, Any], only: str | None, fmt: str
) -> None:
    from layerbuild.build.from_plan import build_from_config
    from layerbuild.report import get_format

    choice = None
    if only:  # the matrix entry's --runtime/--arch pick the layer; as global flags they would re-plan
        choice = (only, flags["runtime"], flags["arch"])
        flags = {**flags, "runtime": None, "arch": None}
    done = build_from_config(config_path, flags, sam_path, only=choice)
    if fmt == "json" and done.plan_path is None:
        click.echo("".join(get_format("json").render(r.report) for r in done.results.values()), nl=False)
    elif fmt == "json" and done.plan_path is not None:
        click.echo(done.plan_path.read_text(), nl=False)
    for result in done.results.values():
        click.echo(f"{'cached' if result.cached else 'built'}: {result.zip_path}", err=True)
    if done.plan_path is not None:
        click.echo(f"plan: {done.plan_path}", err=True)
