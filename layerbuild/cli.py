"""The command line: parses flags and wires the pieces; no build logic lives here.

Subcommands are loaded lazily from `layerbuild/commands/` so that `layerbuild --help` and every
command start fast: heavy modules (boto3, docker, rich) are imported only by the commands using them.
Exit codes: 0 success, 1 findings (audit, failed checks), 2 bad input or environment, 3 internal error,
130 interrupted (Ctrl-C), 128+N stopped by signal N (143 for SIGTERM).
"""

from __future__ import annotations

import sys

import click

from layerbuild import __version__

# command name -> "module:attribute" of its click command
COMMANDS: dict[str, str] = {
    "lock": "layerbuild.commands.lock:lock",
    "build": "layerbuild.commands.build:build",
    "coldstart": "layerbuild.commands.coldstart:coldstart",
    "plan": "layerbuild.commands.plan:plan",
    "publish": "layerbuild.commands.publish:publish",
    "prune": "layerbuild.commands.prune:prune",
    "audit": "layerbuild.commands.audit:audit",
    "report": "layerbuild.commands.report:report",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        from layerbuild.util.lazy import load

        command: click.Command = load(COMMANDS[name])
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # `layerbuild --help` lists the commands without importing their modules (about 30 ms of the
        # start): each one's first docstring line is kept here (tests/unit/test_cli_start.py checks it).
        with formatter.section("Commands"):
            formatter.write_dl([(name, SUMMARIES[name]) for name in self.list_commands(ctx)])


# command name -> the first line of its docstring, for `layerbuild --help`
SUMMARIES: dict[str, str] = {
    "lock": "Resolve SOURCE for the target: the newest versions whose wheels run there (a lock's own), with hashes.",
    "build": "Build a Lambda layer from SOURCE: a requirements file, a project manifest or its folder.",
    "coldstart": "Measure the handler's init as Lambda runs it, per memory size, under Lambda's CPU share.",
    "plan": "Plan shared and per-function layers for the functions of a config file or SAM template.",
    "publish": "Publish ZIP (or every layer of the build plan with --config) to one or more regions.",
    "prune": "Delete old versions of layer NAME; a version a function in that region uses is always kept.",
    "audit": "Audit TARGET — a layer zip, a function zip, a folder, or a requirements file or project (built first).",
    "report": "Show what each dependency in ZIP_OR_DIR costs: bytes, import time and cold-start price.",
}


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="layerbuild")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.option("-q", "--quiet", is_flag=True, help="Only print results and errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool, quiet: bool) -> None:
    """Build, report, audit and publish AWS Lambda layers for Python."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    from layerbuild.util.progress import set_quiet

    set_quiet(quiet)  # also resets it when main() runs again in one process


def _fail(message: str, code: int) -> None:
    from layerbuild.util.redact import redact

    print(f"layerbuild: error: {redact(message)}", file=sys.stderr)
    sys.exit(code)


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    from layerbuild.errors import LayerbuildError
    from layerbuild.util.children import Terminated, handle_stop_signals, on_stopped

    try:
        # SIGTERM, Ctrl-C and SIGHUP stop every process the build started (`util/children.py`), then unwind.
        with handle_stop_signals():
            cli.main(args=args, prog_name="layerbuild", standalone_mode=False)
    except Terminated as exc:
        on_stopped()
        _fail(f"stopped by {exc.signal_name}", exc.exit_code)
    except LayerbuildError as exc:
        if debug:
            raise
        _fail(str(exc), exc.exit_code)
    except click.exceptions.Abort:
        on_stopped()
        _fail("interrupted", 130)
    except click.ClickException as exc:
        # Usage errors: click's message on one line, exit 2.
        if debug:
            raise
        _fail(exc.format_message().replace("\n", " "), 2)
    except KeyboardInterrupt:
        on_stopped()
        _fail("interrupted", 130)
    except OSError as exc:
        if debug:
            raise
        where = f" {exc.filename}" if getattr(exc, "filename", None) else ""
        _fail(f"cannot read or write{where}: {exc.strerror or exc}: check the path, space and permissions", 2)
    except ModuleNotFoundError as exc:
        # Every package layerbuild imports is one of its dependencies (boto3 and docker included): a
        # missing one means a broken environment, not bad input and not a bug to report.
        if debug:
            raise
        _fail(
            f"the Python package {exc.name!r} is not installed in this environment ({sys.executable}): "
            "reinstall layerbuild there (pip install --force-reinstall layerbuild, or pip install -e .)",
            2,
        )
    except Exception as exc:  # noqa: BLE001 - a bug: one line, and how to see more
        if debug:
            raise
        _fail(f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)", 3)
    sys.exit(0)


if __name__ == "__main__":
    main()
