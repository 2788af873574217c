"""`layerbuild lock`: resolve requirements for a Lambda target into a pinned, hashed lock file."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from layerbuild.commands.options import config_option, target_options


@click.command()
@click.argument("requirements", type=click.Path(dir_okay=True))
@target_options
@config_option
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), default=None, help="Write the lock here (default: stdout)."
)
def lock(requirements: str, runtime: str | None, arch: str | None, config_path: str | None, output: str | None) -> None:
    """Resolve REQUIREMENTS for the target: the newest versions whose wheels run there, with hashes."""
    from layerbuild.config import merge_build_options
    from layerbuild.model.target import Target
    from layerbuild.resolve.lockfile import lock_text
    from layerbuild.resolve.resolver import lock_requirements

    options, _ = merge_build_options({"runtime": runtime, "arch": arch}, Path(config_path) if config_path else None)
    target = Target(options.runtime, options.arch)
    result = lock_requirements(requirements, target)
    text = lock_text(result)
    if output:
        from layerbuild.util.atomic import write_text_output

        dest = Path(output)
        write_text_output(dest, text)
        click.echo(f"locked {len(result.pins)} packages for {target.runtime} {target.arch} → {dest}", err=True)
    else:
        sys.stdout.write(text)
