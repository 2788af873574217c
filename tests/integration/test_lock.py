"""`layerbuild lock` resolves for the target: versions whose wheels really run there."""

from __future__ import annotations

import json
import urllib.request

import pytest

from layerbuild.model.target import Target
from layerbuild.resolve.lockfile import parse_lock_text

from ..conftest import run_cli

pytestmark = pytest.mark.network


def _index_files(name: str, version: str) -> list[dict]:
    """The wheels the index lists for one release (PEP 691 JSON simple API), to check the lock against."""
    request = urllib.request.Request(
        f"https://pypi.org/simple/{name}/", headers={"Accept": "application/vnd.pypi.simple.v1+json"}
    )
    with urllib.request.urlopen(request, timeout=60) as resp:
        files = json.load(resp)["files"]
    return [f for f in files if f["filename"].startswith(f"{name}-{version}-")]


def test_numpy_for_python311_is_a_version_with_a_manylinux2014_wheel(tmp_path):
    reqs = tmp_path / "requirements.txt"
    reqs.write_text("numpy\n")
    lock_file = tmp_path / "requirements.lock"
    result = run_cli("lock", str(reqs), "--runtime", "python3.11", "--arch", "x86_64", "-o", str(lock_file))
    assert result.code == 0, result.stderr
    pins, header = parse_lock_text(lock_file.read_text())
    assert header["runtime"] == "python3.11"
    numpy = next(p for p in pins if p.name == "numpy")
    files = _index_files("numpy", numpy.version)
    target = Target("python3.11", "x86_64")
    fitting = [f for f in files if target.accepts(f["filename"])]
    assert fitting, f"numpy {numpy.version} has no wheel for glibc 2.26"
    assert any("manylinux2014_x86_64" in f["filename"] or "manylinux_2_17_x86_64" in f["filename"] for f in fitting)
    # The wheel that will be installed is covered by the lock's hashes.
    assert {f"sha256:{f['hashes']['sha256']}" for f in fitting} & set(numpy.hashes)


def test_lock_supports_includes_extras_markers_and_hashed_input(tmp_path):
    (tmp_path / "base.txt").write_text("requests[socks]>=2.31\n")
    (tmp_path / "constraints.txt").write_text("urllib3<3\n")
    (tmp_path / "requirements.txt").write_text(
        "-r base.txt\n-c constraints.txt\n"
        "tomli>=2 ; python_version < '3.11'\n"
        "six==1.16.0 --hash=sha256:8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254\n"
    )
    result = run_cli("lock", str(tmp_path / "requirements.txt"), "--runtime", "python3.12")
    assert result.code == 0, result.stderr
    pins, _ = parse_lock_text(result.stdout)
    names = {p.name for p in pins}
    assert {"requests", "pysocks", "urllib3", "six"} <= names
    assert "tomli" not in names  # marker is false on python3.12
    assert all(p.hashes for p in pins)
    assert next(p for p in pins if p.name == "urllib3").version.startswith("2.")


def test_a_lock_is_built_as_it_is_without_resolving_again(tmp_path):
    (tmp_path / "requirements.txt").write_text("idna==3.7\n")
    lock_file = tmp_path / "layer.lock"
    assert (
        run_cli("lock", str(tmp_path / "requirements.txt"), "--runtime", "python3.12", "-o", str(lock_file)).code == 0
    )
    out = tmp_path / "out"
    result = run_cli(
        "build",
        str(lock_file),
        "--runtime",
        "python3.12",
        "-o",
        str(out),
        "--name",
        "idna",
        env={"LAYERBUILD_CACHE_DIR": str(tmp_path / "cache")},
    )
    assert result.code == 0, result.stderr
    report = json.loads((out / "idna-python3.12-x86_64.report.json").read_text())
    assert [(p["name"], p["version"]) for p in report["packages"]] == [("idna", "3.7")]
    wrong = run_cli("build", str(lock_file), "--runtime", "python3.11", "-o", str(out))
    assert wrong.code == 2 and "is a lock for python3.12" in wrong.stderr
