"""Amazon Linux 2 runtimes (python3.10, python3.11) get the newest versions whose wheels run on glibc 2.26.

uv knows no `manylinux_2_26` platform; layerbuild resolves at 2_28 and keeps only wheels the runtime
accepts. The truth the tests check against is independent of layerbuild's own tag logic: the tag sets
Pants recorded from the real runtimes (tests/data/pants_complete_platforms) and the index's file lists.
"""

from __future__ import annotations

import json
import urllib.request
import zipfile
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet
from packaging.utils import parse_wheel_filename
from packaging.version import Version

from layerbuild.resolve.lockfile import parse_lock_text

from ..conftest import make_wheel, run_cli

PANTS = Path(__file__).resolve().parents[1] / "data" / "pants_complete_platforms"


def _real_tags(runtime: str, arch: str) -> set[str]:
    data = json.loads((PANTS / f"complete_platform_{runtime[6:]}-{arch}.json").read_text())
    return {t for t in data["compatible_tags"] if "-linux_" not in t}


def _runs_there(filename: str, tags: set[str]) -> bool:
    return any(str(t) in tags for t in parse_wheel_filename(filename)[3])


def _newest_version_with_a_wheel_for(name: str, runtime: str, arch: str) -> Version:
    """From the index (PEP 691 JSON), the newest non-yanked, non-pre release with a wheel the real runtime
    accepts and whose Requires-Python admits it."""
    request = urllib.request.Request(
        f"https://pypi.org/simple/{name}/", headers={"Accept": "application/vnd.pypi.simple.v1+json"}
    )
    with urllib.request.urlopen(request, timeout=60) as resp:
        files = json.load(resp)["files"]
    tags = _real_tags(runtime, arch)
    python = runtime[6:] + ".0"
    best = None
    for f in files:
        if not f["filename"].endswith(".whl") or f.get("yanked"):
            continue
        if f.get("requires-python") and python not in SpecifierSet(f["requires-python"]):
            continue
        _, version, _, _ = parse_wheel_filename(f["filename"])
        if version.is_prerelease or not _runs_there(f["filename"], tags):
            continue
        best = version if best is None or version > best else best
    assert best is not None
    return best


def _lock(tmp_path: Path, text: str, runtime: str, arch: str) -> dict[str, str]:
    reqs = tmp_path / f"req-{runtime}-{arch}.txt"
    reqs.write_text(text)
    out = tmp_path / f"{runtime}-{arch}.lock"
    result = run_cli("lock", str(reqs), "--runtime", runtime, "--arch", arch, "-o", str(out))
    assert result.code == 0, result.stderr
    pins, _ = parse_lock_text(out.read_text())
    return {p.name: p.version for p in pins}


@pytest.mark.network
@pytest.mark.parametrize("arch", ["x86_64", "arm64"])
def test_python311_gets_the_newest_pandas_and_duckdb_with_a_wheel_for_amazon_linux_2(tmp_path, arch):
    pins = _lock(tmp_path, "pandas\nduckdb\n", "python3.11", arch)
    assert Version(pins["pandas"]) == _newest_version_with_a_wheel_for("pandas", "python3.11", arch)
    assert Version(pins["duckdb"]) == _newest_version_with_a_wheel_for("duckdb", "python3.11", arch)
    # The figures of the report that found this (manylinux_2_17 gave pandas 2.3.2 and duckdb 1.2.2).
    assert Version(pins["pandas"]) >= Version("3.1.1") and Version(pins["duckdb"]) >= Version("1.5.6")


@pytest.mark.network
def test_pinned_pandas_3_on_python311_builds_from_wheels_and_every_wheel_runs_there(tmp_path, cache_dir):
    reqs = tmp_path / "pd" / "requirements.txt"
    reqs.parent.mkdir()
    reqs.write_text("pandas==3.1.1\n")
    result = run_cli(
        "build",
        str(reqs),
        "--runtime",
        "python3.11",
        "--backend",
        "wheels",
        "--bytecode",
        "none",
        "-o",
        str(tmp_path / "dist"),
    )
    assert result.code == 0, result.stderr
    tags = _real_tags("python3.11", "x86_64")
    with zipfile.ZipFile(tmp_path / "dist" / "pd-python3.11-x86_64.zip") as zf:
        wheels = [n for n in zf.namelist() if n.endswith(".dist-info/WHEEL")]
        assert any("pandas-3.1.1.dist-info" in n for n in wheels)
        for name in wheels:
            lines = zf.read(name).decode().splitlines()
            offered = [line.split(":", 1)[1].strip() for line in lines if line.startswith("Tag:")]
            assert any(t in tags for t in offered), (name, offered)


@pytest.mark.network
def test_python312_still_gets_the_newest_numpy_for_amazon_linux_2023(tmp_path):
    pins = _lock(tmp_path, "numpy\n", "python3.12", "x86_64")
    assert Version(pins["numpy"]) == _newest_version_with_a_wheel_for("numpy", "python3.12", "x86_64")


def _two_wheel_index(root: Path) -> Path:
    """A find-links folder: `fitpkg` 1.0 has a manylinux_2_24 and a manylinux_2_28 wheel (the 2_28 one is
    what uv prefers at its 2_28 platform), 2.0 has only a 2_28 one, which glibc 2.26 cannot load."""
    links = root / "links"
    make_wheel(
        links,
        "fitpkg",
        "1.0",
        {"fitpkg/__init__.py": "BUILT_FOR = '2_24'\n"},
        tag="cp311-cp311-manylinux_2_24_x86_64",
        purelib=False,
    )
    make_wheel(
        links,
        "fitpkg",
        "1.0",
        {"fitpkg/__init__.py": "BUILT_FOR = '2_28'\n"},
        tag="cp311-cp311-manylinux_2_28_x86_64",
        purelib=False,
    )
    make_wheel(
        links,
        "fitpkg",
        "2.0",
        {"fitpkg/__init__.py": "BUILT_FOR = '2_28 v2'\n"},
        tag="cp311-cp311-manylinux_2_28_x86_64",
        purelib=False,
    )
    return links


def test_a_version_with_2_24_and_2_28_wheels_installs_the_2_24_one_on_amazon_linux_2(tmp_path, cache_dir):
    links = _two_wheel_index(tmp_path)
    reqs = tmp_path / "fit" / "requirements.txt"
    reqs.parent.mkdir()
    reqs.write_text(f"--no-index\n--find-links {links}\nfitpkg\n")
    result = run_cli(
        "build", str(reqs), "--runtime", "python3.11", "--bytecode", "none", "--no-verify", "-o", str(tmp_path / "dist")
    )
    assert result.code == 0, result.stderr
    with zipfile.ZipFile(tmp_path / "dist" / "fit-python3.11-x86_64.zip") as zf:
        assert zf.read("python/fitpkg/__init__.py") == b"BUILT_FOR = '2_24'\n"
        assert "manylinux_2_24_x86_64" in zf.read("python/fitpkg-1.0.dist-info/WHEEL").decode()


def test_the_same_index_gives_the_newest_version_on_amazon_linux_2023(tmp_path, cache_dir):
    links = _two_wheel_index(tmp_path)
    for name in ("fitpkg-1.0-cp311-cp311-manylinux_2_24_x86_64.whl",):
        (links / name).unlink()  # python3.12 needs cp312 wheels: make 2.0's for it
    make_wheel(
        links,
        "fitpkg",
        "2.0",
        {"fitpkg/__init__.py": "BUILT_FOR = '2_28 v2'\n"},
        tag="cp312-cp312-manylinux_2_28_x86_64",
        purelib=False,
    )
    reqs = tmp_path / "req.txt"
    reqs.write_text(f"--no-index\n--find-links {links}\nfitpkg\n")
    lock = tmp_path / "out.lock"
    result = run_cli("lock", str(reqs), "--runtime", "python3.12", "-o", str(lock))
    assert result.code == 0, result.stderr
    assert "fitpkg==2.0" in lock.read_text()


def test_a_hashed_lock_made_elsewhere_installs_only_the_wheels_amazon_linux_2_accepts(tmp_path, cache_dir):
    """A lock with the hashes of both wheels (as a universal lock has) still gets the 2_24 wheel."""
    import hashlib

    links = _two_wheel_index(tmp_path)
    hashes = [hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(links.glob("fitpkg-1.0-*.whl"))]
    reqs = tmp_path / "locked" / "requirements.txt"
    reqs.parent.mkdir()
    reqs.write_text(
        f"--no-index\n--find-links {links}\nfitpkg==1.0 \\\n"
        + " \\\n".join(f"    --hash=sha256:{h}" for h in hashes)
        + "\n"
    )
    result = run_cli(
        "build", str(reqs), "--runtime", "python3.11", "--bytecode", "none", "--no-verify", "-o", str(tmp_path / "dist")
    )
    assert result.code == 0, result.stderr
    with zipfile.ZipFile(tmp_path / "dist" / "locked-python3.11-x86_64.zip") as zf:
        assert zf.read("python/fitpkg/__init__.py") == b"BUILT_FOR = '2_24'\n"


@pytest.mark.parametrize("which", ["2_28 only", "unknown"])
def test_a_lock_whose_hashes_fit_no_amazon_linux_2_wheel_is_refused_naming_the_version_that_fits(
    tmp_path, cache_dir, which
):
    import hashlib

    links = _two_wheel_index(tmp_path)
    wheel = links / "fitpkg-2.0-cp311-cp311-manylinux_2_28_x86_64.whl"
    sha = hashlib.sha256(wheel.read_bytes()).hexdigest() if which == "2_28 only" else "0" * 64
    reqs = tmp_path / "locked" / "requirements.txt"
    reqs.parent.mkdir()
    reqs.write_text(f"--no-index\n--find-links {links}\nfitpkg==2.0 \\\n    --hash=sha256:{sha}\n")
    result = run_cli("build", str(reqs), "--runtime", "python3.11", "-o", str(tmp_path / "dist"))
    assert result.code == 2
    lines = [line for line in result.stderr.splitlines() if line.startswith("layerbuild: error")]
    assert len(lines) == 1 and "fitpkg==2.0" in lines[0] and "the newest version with one is 1.0" in lines[0]
    assert ("match no file" in lines[0]) is (which == "unknown")
    assert (
        "Traceback" not in result.stderr and not (tmp_path / "dist").exists() or not list((tmp_path / "dist").iterdir())
    )
