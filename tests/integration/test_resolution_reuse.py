"""An unchanged rebuild from a requirements file reuses a recent resolution (resolve/reuse.py), and only then.

The index is a real PEP 503 index served on 127.0.0.1 by the test, behind HTTP basic auth, and it counts
what it is asked: a reuse is a rebuild that asks the index nothing (the build cache answers the install),
and every change the key must catch (an index URL, the requirements file, a file it includes, --refresh,
the time bound) is a rebuild that asks the index again and gets its newest answer. The token in the index
URL is never written under the cache folder in clear.
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..conftest import make_wheel, run_cli

TOKEN = "s3cr3t-t0ken-for-the-test"
FAST = ("--runtime", "python3.12", "--no-verify", "--bytecode", "none", "--format", "json")


class _Index:
    """A simple index of the wheels in `folder`, for user `ci` with TOKEN; `requests` lists every request."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.requests: list[str] = []
        index = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_HEAD(self) -> None:  # noqa: N802 - http.server's name
                self.do_GET(head=True)

            def do_GET(self, head: bool = False) -> None:  # noqa: N802 - http.server's name
                index.requests.append(self.path)
                expected = "Basic " + base64.b64encode(f"ci:{TOKEN}".encode()).decode()
                if self.headers.get("Authorization") != expected:
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", 'Basic realm="test"')
                    self.end_headers()
                    return
                body, ctype = index.answer(self.path)
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", ctype)
                self.send_header("Cache-Control", "no-cache")  # uv revalidates: every resolution asks
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                if not head:
                    self.wfile.write(body or b"")

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, path: str) -> tuple[bytes | None, str]:
        parts = [p for p in path.split("?")[0].split("/") if p]
        if len(parts) == 3 and parts[1] == "simple":  # /<anything>/simple/<project>/
            links = "".join(
                f'<a href="/files/{w.name}#sha256={hashlib.sha256(w.read_bytes()).hexdigest()}">{w.name}</a>\n'
                for w in sorted(self.folder.glob("*.whl"))
                if w.name.split("-")[0] == parts[2].replace("-", "_")
            )
            return f"<html><body>\n{links}</body></html>".encode(), "text/html"
        if len(parts) == 2 and parts[0] == "files" and (self.folder / parts[1]).is_file():
            return (self.folder / parts[1]).read_bytes(), "application/octet-stream"
        return None, "text/plain"

    def url(self, prefix: str = "a") -> str:
        return f"http://ci:{TOKEN}@127.0.0.1:{self.server.server_port}/{prefix}/simple"


@pytest.fixture
def index(tmp_path: Path) -> Iterator[_Index]:
    folder = tmp_path / "wheels"
    make_wheel(folder, "lbtiny", "1.0", {"lbtiny.py": "VERSION = '1.0'\n"})
    served = _Index(folder)
    yield served
    served.server.shutdown()


def _env(tmp_path: Path, index: _Index, prefix: str = "a", **extra: str) -> dict[str, str]:
    url = index.url(prefix)
    return {
        "LAYERBUILD_CACHE_DIR": str(tmp_path / "lbcache"),
        "UV_CACHE_DIR": str(tmp_path / "uv-cache"),
        "UV_INDEX_URL": url,
        "PIP_INDEX_URL": url,
        "UV_EXTRA_INDEX_URL": "",
        "PIP_EXTRA_INDEX_URL": "",
        **extra,
    }


def _build(project: Path, env: dict[str, str], *flags: str, source: Path | None = None) -> str:
    source = source or project / "requirements.txt"
    done = run_cli("build", str(source), "-o", str(project / "dist"), *FAST, *flags, env=env)
    assert done.code == 0, done.stderr
    return done.stdout


def _version_built(stdout: str) -> str:
    import json

    return next(p["version"] for p in json.loads(stdout)["packages"] if p["name"] == "lbtiny")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "fn"
    folder.mkdir()
    (folder / "base.txt").write_text("lbtiny\n")
    (folder / "requirements.txt").write_text("-r base.txt\n")
    return folder


def test_an_unchanged_rebuild_within_the_ttl_asks_the_index_nothing(tmp_path, index, project):
    env = _env(tmp_path, index)
    assert _version_built(_build(project, env)) == "1.0"
    assert any("/simple/lbtiny" in r for r in index.requests)
    index.requests.clear()
    make_wheel(index.folder, "lbtiny", "1.1", {"lbtiny.py": "VERSION = '1.1'\n"})  # the index moved on
    # uv offline on an empty cache could not resolve anything: only a reuse builds.
    offline = {**env, "UV_OFFLINE": "1", "UV_CACHE_DIR": str(tmp_path / "empty-uv-cache")}
    assert _version_built(_build(project, offline)) == "1.0"
    assert index.requests == []


def test_refresh_resolves_again_within_the_ttl(tmp_path, index, project):
    env = _env(tmp_path, index)
    _build(project, env)
    make_wheel(index.folder, "lbtiny", "1.1", {"lbtiny.py": "VERSION = '1.1'\n"})
    index.requests.clear()
    assert _version_built(_build(project, env, "--refresh")) == "1.1"
    assert any("/simple/lbtiny" in r for r in index.requests)


def test_past_the_ttl_it_resolves_again(tmp_path, index, project):
    env = _env(tmp_path, index)
    _build(project, env)
    make_wheel(index.folder, "lbtiny", "1.1", {"lbtiny.py": "VERSION = '1.1'\n"})
    assert _version_built(_build(project, env, "--resolution-ttl", "60")) == "1.0"  # within: reused
    time.sleep(1.5)
    assert _version_built(_build(project, {**env, "LAYERBUILD_RESOLUTION_TTL": "1"})) == "1.1"


def test_a_ttl_of_zero_never_reuses(tmp_path, index, project):
    env = _env(tmp_path, index, LAYERBUILD_RESOLUTION_TTL="0")
    _build(project, env)
    make_wheel(index.folder, "lbtiny", "1.1", {"lbtiny.py": "VERSION = '1.1'\n"})
    assert _version_built(_build(project, env)) == "1.1"


def test_a_changed_index_url_never_reuses_a_cached_resolution(tmp_path, index, project):
    _build(project, _env(tmp_path, index, "a"))
    make_wheel(index.folder, "lbtiny", "1.1", {"lbtiny.py": "VERSION = '1.1'\n"})
    index.requests.clear()
    assert _version_built(_build(project, _env(tmp_path, index, "b"))) == "1.1"  # another URL, same server
    assert any(r.startswith("/b/simple/lbtiny") for r in index.requests)
    # An index option in the file itself is an index setting too.
    make_wheel(index.folder, "lbtiny", "1.2", {"lbtiny.py": "VERSION = '1.2'\n"})
    (project / "requirements.txt").write_text(f"--index-url {index.url('c')}\n-r base.txt\n")
    assert _version_built(_build(project, _env(tmp_path, index, "b"))) == "1.2"


def test_a_changed_input_or_included_file_never_reuses(tmp_path, index, project):
    env = _env(tmp_path, index)
    _build(project, env)
    make_wheel(index.folder, "lbtiny", "1.1", {"lbtiny.py": "VERSION = '1.1'\n"})
    (project / "base.txt").write_text("lbtiny  # the same requirement, another file\n")  # only the -r file
    assert _version_built(_build(project, env)) == "1.1"
    make_wheel(index.folder, "lbtiny", "1.2", {"lbtiny.py": "VERSION = '1.2'\n"})
    (project / "requirements.txt").write_text("-r base.txt\n\n")  # the file named on the command line
    assert _version_built(_build(project, env)) == "1.2"


def test_the_index_token_is_never_written_under_the_cache_folder(tmp_path, index, project):
    env = _env(tmp_path, index)
    _build(project, env)
    _build(project, env, "--slim", "none")  # a new layer from the reused resolution: installs with the token
    cache = tmp_path / "lbcache"
    assert (cache / "resolutions").is_dir()
    for path in cache.rglob("*"):
        assert TOKEN not in str(path)
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path


def test_a_pyproject_without_a_lock_is_reused_until_it_changes(tmp_path, index):
    project = tmp_path / "svc"
    project.mkdir()
    pyproject = '[project]\nname = "svc"\nversion = "0"\nrequires-python = ">=3.10"\ndependencies = [{}]\n'
    (project / "pyproject.toml").write_text(pyproject.format('"lbtiny"'))
    env = _env(tmp_path, index)
    assert _version_built(_build(project, env, source=project)) == "1.0"
    make_wheel(index.folder, "lbtiny", "1.1", {"lbtiny.py": "VERSION = '1.1'\n"})
    index.requests.clear()
    assert _version_built(_build(project, env, source=project)) == "1.0"
    assert index.requests == []
    (project / "pyproject.toml").write_text(pyproject.format('"lbtiny>=1"'))
    assert _version_built(_build(project, env, source=project)) == "1.1"
