"""`layerbuild lock`: resolve requirements for a Lambda target into a pinned, hashed lock file."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from layerbuild.commands.options import config_option, project_options, target_options


@click.command()
@click.argument("source", type=click.Path(dir_okay=True))
@target_options
@config_option
@project_options
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), default=None, help="Write the lock here (default: stdout)."
)
@click.option(
    "--format",
    "lock_format",
    type=click.Choice(["requirements", "pylock"]),
    default="requirements",
    show_default=True,
    help="requirements: a hashed requirements file; pylock: a PEP 751 pylock.toml for this target.",
)
def lock(
    source: str,
    runtime: str | None,
    arch: str | None,
    config_path: str | None,
    extra: tuple[str, ...],
    group: tuple[str, ...],
    package: str | None,
    include_project: bool | None,
    check_lock: bool | None,
    output: str | None,
    lock_format: str,
) -> None:
    """Resolve SOURCE for the target: the newest versions whose wheels run there (a lock's own), with hashes.

    SOURCE is a requirements file, a project manifest (pyproject.toml, uv.lock, poetry.lock, Pipfile.lock,
    pylock.toml) or a folder holding one."""
    from layerbuild.build.pipeline import runtime_for_source
    from layerbuild.config import merge_build_options
    from layerbuild.model.target import Target
    from layerbuild.resolve.inputs import open_source
    from layerbuild.resolve.lockfile import lock_text
    from layerbuild.resolve.resolver import lock_requirements

    flags = {
        "runtime": runtime,
        "arch": arch,
        "extra": extra,
        "group": group,
        "package": package,
        "include_project": include_project,
        "check_lock": check_lock,
    }
    options, _ = merge_build_options(flags, Path(config_path) if config_path else None)
    options = runtime_for_source(source, options)
    target = Target(options.runtime, options.arch)
    result = lock_requirements(open_source(source, options.project_options(), target), target)
    if lock_format == "pylock":
        from layerbuild.resolve.pylock_writer import pylock_text

        text = pylock_text(result)
    else:
        text = lock_text(result)
    if output:
        from layerbuild.util.atomic import write_text_output

        dest = Path(output)
        write_text_output(dest, text)
        click.echo(f"locked {len(result.pins)} packages for {target.runtime} {target.arch} → {dest}", err=True)
    else:
        sys.stdout.write(text)
