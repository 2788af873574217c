"""A build starts on the resolution uv makes from its cache alone, and the layer is always the one the index
gives (resolve/speculate.py). The index is the real local one of test_resolution_reuse.py, which sends
`Cache-Control: no-cache`, so every real resolution asks it while uv's cache keeps the last answer."""

from __future__ import annotations

from ..conftest import make_wheel
from .test_resolution_reuse import _build, _env, _version_built, index, project  # noqa: F401 - fixtures

NOTE = "newer versions than uv's cache"


def _run(folder, env, *flags: str):
    from ..conftest import run_cli

    out = ("-o", str(folder / "dist"), "--runtime", "python3.12", "--no-verify", "--bytecode", "none")
    done = run_cli("build", str(folder / "requirements.txt"), *out, "--format", "json", *flags, env=env)
    assert done.code == 0, done.stderr
    return done


def test_a_guess_the_index_has_outgrown_is_never_the_layer(tmp_path, index, project):  # noqa: F811
    env = _env(tmp_path, index, LAYERBUILD_RESOLUTION_TTL="0")  # no reuse: every build resolves
    assert _version_built(_build(project, env)) == "1.0"  # uv's cache now lists 1.0 only
    make_wheel(index.folder, "lbtiny", "2.0", {"lbtiny.py": "VERSION = '2.0'\n"})
    index.requests.clear()
    done = _run(project, env)
    assert _version_built(done.stdout) == "2.0"  # the guess from the cache was 1.0: built again
    assert NOTE in done.stderr
    assert any("/simple/lbtiny" in r for r in index.requests)  # the index was asked, as without a guess
    import zipfile

    with zipfile.ZipFile(project / "dist" / "fn-python3.12-x86_64.zip") as zf:
        assert zf.read("python/lbtiny.py") == b"VERSION = '2.0'\n"


def test_a_guess_that_is_the_real_lock_is_built_once(tmp_path, index, project):  # noqa: F811
    env = _env(tmp_path, index, LAYERBUILD_RESOLUTION_TTL="0")
    _build(project, env)
    (project / "dist").rename(tmp_path / "first")
    done = _run(project, env, "--slim", "none")
    assert NOTE not in done.stderr and _version_built(done.stdout) == "1.0"


def test_without_uvs_cache_there_is_no_guess_and_the_build_resolves_as_before(tmp_path, index, project):  # noqa: F811
    env = _env(tmp_path, index, LAYERBUILD_SPECULATE="1")
    assert _version_built(_build(project, env)) == "1.0"  # an empty uv cache: the offline guess fails
    off = _env(tmp_path, index, "b", LAYERBUILD_SPECULATE="0")
    make_wheel(index.folder, "lbtiny", "1.1", {"lbtiny.py": "VERSION = '1.1'\n"})
    assert _version_built(_build(project, off)) == "1.1"  # turned off: the real resolution only
