"""A folder given to `report` or `audit` may hold FIFOs, sockets and devices: they are never opened (a
FIFO would block the read forever), not counted in any size, and reported as skipped. The real CLI runs
in a subprocess with a timeout, so a hang fails the test instead of stalling the suite.
"""

from __future__ import annotations

import json
import os
import socket
import stat
import zipfile
from pathlib import Path

import pytest

from tests.conftest import make_wheel, python_for, run_cli

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def folder_with_specials(tmp_path) -> tuple[Path, dict[str, str]]:
    """A layer folder (one real wheel unpacked) plus a FIFO, a unix socket and, where allowed, /dev/null's twin."""
    site = tmp_path / "layer" / "python"
    whl = make_wheel(tmp_path / "wheels", "tinypkg", "1.0", {"tinypkg/__init__.py": "X = 1\n"})
    with zipfile.ZipFile(whl) as zf:
        zf.extractall(site)
    os.mkfifo(site / "tinypkg" / "pipe.py")  # named like a module: still never opened
    os.mkfifo(site / "tinypkg-1.0.dist-info" / "INSTALLER")  # even inside a dist-info
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(site / "agent.sock"))
    expected = {
        "python/tinypkg/pipe.py": "fifo",
        "python/tinypkg-1.0.dist-info/INSTALLER": "fifo",
        "python/agent.sock": "socket",
    }
    try:
        os.mknod(site / "null", stat.S_IFCHR | 0o600, os.makedev(1, 3))
        expected["python/null"] = "character device"
    except PermissionError:
        pass  # no CAP_MKNOD here: FIFOs and sockets still make the point
    yield tmp_path / "layer", expected
    sock.close()


def _regular_bytes(root: Path) -> int:
    return sum(p.lstat().st_size for p in root.rglob("*") if stat.S_ISREG(p.lstat().st_mode))


def test_report_on_a_folder_with_a_fifo_and_a_socket_skips_and_counts_them(folder_with_specials):
    folder, expected = folder_with_specials
    r = run_cli("-q", "report", str(folder), "--no-measure", "--format", "json", timeout=60)
    assert r.code == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["layer"]["skipped_special_files"] == len(expected)
    assert {x["path"]: x["kind"] for x in data["skipped_special_paths"]} == expected
    assert data["layer"]["unzipped_bytes"] == _regular_bytes(folder)
    assert data["layer"]["files"] == sum(1 for p in folder.rglob("*") if p.is_file())
    assert "tinypkg" in {p["name"] for p in data["packages"]}


def test_report_table_and_stderr_say_what_was_skipped(folder_with_specials):
    folder, expected = folder_with_specials
    table = run_cli("report", str(folder), "--no-measure", timeout=60)
    assert table.code == 0, table.stderr
    assert f"skipped {len(expected)} special files" in table.stdout and "python/agent.sock (socket)" in table.stdout
    as_json = run_cli("report", str(folder), "--no-measure", "--format", "json", timeout=60)
    assert f"skipped {len(expected)} special files" in as_json.stderr  # JSON on stdout stays JSON


def test_report_measuring_imports_of_a_folder_with_a_fifo_finishes(folder_with_specials):
    folder, _ = folder_with_specials
    if python_for("3.11") is None:
        pytest.skip("no python3.11 interpreter on this machine to import the layer with")
    r = run_cli("-q", "report", str(folder), "--runtime", "python3.11", "--format", "json", timeout=90)
    assert r.code == 0, r.stderr
    assert json.loads(r.stdout)["cold_start"]["measured"] is True


def test_audit_on_a_folder_with_a_fifo_and_a_socket_finishes_and_says_so(folder_with_specials):
    folder, expected = folder_with_specials
    r = run_cli("audit", str(folder), "--runtime", "python3.12", "--arch", "x86_64", timeout=60)
    assert r.code == 0, r.stdout + r.stderr
    assert f"skipped {len(expected)} special files" in r.stderr
