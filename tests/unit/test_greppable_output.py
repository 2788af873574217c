"""In a pipe or a CI log, `audit` and `report` print one line per finding or row, never wrapped; a
terminal gets rich tables. The real CLI runs in a subprocess: its stdout is a pipe, or a pseudo-terminal
where the test needs a TTY. COLUMNS=80 is set as a CI runner's log would have it, so any wrapping at 80
columns would split the long names these tests use.
"""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import make_wheel, run_cli
from tests.unit.audit_helpers import FCNTL64_SOURCE, compile_so, layer_zip, wheel

NARROW = {"COLUMNS": "80", "LINES": "24", "CI": ""}
SO_NAME = "_speed_of_a_rather_long_extension_name.cpython-311-x86_64-linux-gnu.so"
SO_PATH = f"python/fastthing/backends/accelerated/native/{SO_NAME}"


@pytest.fixture
def native_layer(tmp_path) -> Path:
    """A python3.11 layer whose .so needs GLIBC_2.28 (Amazon Linux 2 has 2.26) and that ships boto3."""
    so = compile_so(tmp_path, SO_NAME, FCNTL64_SOURCE)
    fast = wheel(
        tmp_path,
        "fastthing",
        "1.0",
        {"fastthing/__init__.py": "", SO_PATH.removeprefix("python/"): so.read_bytes()},
        tag="cp311-cp311-linux_x86_64",
        purelib=False,
    )
    return layer_zip(tmp_path / "fast-python3.11-x86_64.zip", [fast, wheel(tmp_path, "boto3", "1.35.0")])


def _on_a_tty(*args: str, env: dict[str, str], cwd: Path | None = None) -> tuple[int, str]:
    """Run the CLI with stdout on a pseudo-terminal (stderr piped apart); returns (exit code, stdout)."""
    master, slave = pty.openpty()
    full = dict(os.environ, **env)
    proc = subprocess.Popen(
        [sys.executable, "-m", "layerbuild.cli", *args], stdout=slave, stderr=subprocess.PIPE, env=full, cwd=cwd
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    proc.stderr.read()
    return proc.wait(timeout=300), b"".join(chunks).decode().replace("\r\n", "\n")


def test_audit_in_a_pipe_prints_each_finding_as_one_line_with_the_whole_file_name(native_layer):
    r = run_cli("audit", str(native_layer), env=NARROW)
    assert r.code == 1, r.stderr
    # What `audit … | grep _speed` shows: one whole finding, file name first, as ruff and mypy print them.
    hits = [line for line in r.stdout.splitlines() if "_speed" in line]
    assert len(hits) == 1, r.stdout
    assert hits[0].startswith(f"{SO_PATH}: LB302 error: ")
    assert "GLIBC_2.28" in hits[0] and "python3.11 (Amazon Linux 2) has glibc 2.26" in hits[0]
    assert "[elf-glibc-too-new] fix: " in hits[0]
    assert any(line.startswith("python/boto3/: LB201 error: ") for line in r.stdout.splitlines())
    assert r.stdout.splitlines()[-1].startswith("FAIL: ")


def test_audit_in_a_ci_log_prints_lines_even_on_a_terminal(native_layer):
    code, out = _on_a_tty("audit", str(native_layer), env={**NARROW, "CI": "true"})
    assert code == 1
    assert any(line.startswith(f"{SO_PATH}: LB302 error: ") for line in out.splitlines()), out


def test_audit_on_a_terminal_draws_a_table(native_layer):
    code, out = _on_a_tty("audit", str(native_layer), env=NARROW)
    assert code == 1
    assert "severity" in out and "┃" in out  # rich's table, drawn for a person
    assert max(len(line) for line in out.splitlines() if "│" in line or "┃" in line) <= 80  # fitted to it


def test_audit_table_written_to_a_file_is_lines_even_from_a_terminal(native_layer, tmp_path):
    out_file = tmp_path / "audit.txt"
    code, _ = _on_a_tty("audit", str(native_layer), "-o", str(out_file), env=NARROW)
    assert code == 1
    assert any(line.startswith(f"{SO_PATH}: LB302 error: ") for line in out_file.read_text().splitlines())


def _long_named_folder(tmp_path: Path) -> tuple[Path, str]:
    name = "an-unusually-long-distribution-name-that-no-80-column-table-could-hold-whole"
    site = tmp_path / "layer" / "python"
    whl = make_wheel(tmp_path / "wheels", name, "2024.10.31.post1", {"longpkg/__init__.py": "X = 1\n" * 500})
    with zipfile.ZipFile(whl) as zf:
        zf.extractall(site)
    return tmp_path / "layer", name


def test_report_table_in_a_pipe_is_one_line_per_package_never_wrapped(tmp_path):
    folder, name = _long_named_folder(tmp_path)
    r = run_cli("-q", "report", str(folder), "--no-measure", env=NARROW)
    assert r.code == 0, r.stderr
    data = json.loads(run_cli("-q", "report", str(folder), "--no-measure", "--format", "json").stdout)
    pkg = next(p for p in data["packages"] if p["name"] == name)
    rows = [line for line in r.stdout.splitlines() if name in line]
    assert len(rows) == 1, r.stdout
    # The whole row on one line: name, version, sizes and file count, as `grep NAME` would show it.
    assert rows[0].split() == [name, "2024.10.31.post1", *rows[0].split()[2:]]
    assert rows[0].split()[-1] == str(pkg["files"])


def test_report_table_on_a_terminal_is_drawn_by_rich(tmp_path):
    folder, name = _long_named_folder(tmp_path)
    code, out = _on_a_tty("-q", "report", str(folder), "--no-measure", env=NARROW)
    assert code == 0
    assert "┃" in out and max(len(line) for line in out.splitlines() if "│" in line or "┃" in line) <= 80
