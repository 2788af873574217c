"""The CLI starts without its heavy dependencies, and `--help` lists commands without loading them."""

from __future__ import annotations

import subprocess
import sys

from layerbuild.cli import COMMANDS, SUMMARIES
from layerbuild.util.lazy import load
from tests.conftest import run_cli


def _imported(*args: str) -> set[str]:
    proc = subprocess.run([sys.executable, "-X", "importtime", *args], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}


# What `layerbuild --help` must never pay for: the resolver, the installers, the AWS SDK, Docker, rich.
HEAVY = ("layerbuild.resolve", "layerbuild.install", "boto3", "botocore", "docker", "rich")


def _heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


def test_importing_the_cli_imports_no_resolver_installer_aws_sdk_docker_or_rich():
    modules = _imported("-c", "import layerbuild.cli")
    assert "layerbuild.cli" in modules
    assert _heavy(modules) == []


def test_help_imports_no_resolver_installer_aws_sdk_docker_or_rich():
    modules = _imported("-m", "layerbuild", "--help")
    assert "layerbuild.cli" in modules
    assert _heavy(modules) == []


def test_help_lists_every_command_without_importing_the_command_modules():
    modules = _imported("-m", "layerbuild", "--help")
    assert not {m for m in modules if m.startswith("layerbuild.commands.")}
    listed = run_cli("--help").stdout
    assert all(name in listed for name in COMMANDS)


def test_each_commands_summary_is_the_first_line_of_its_help():
    assert SUMMARIES.keys() == COMMANDS.keys()
    for name, target in COMMANDS.items():
        assert load(target).help.splitlines()[0] == SUMMARIES[name], name
