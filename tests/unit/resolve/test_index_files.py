"""Listing a project's files on the user's index: what the AL2 resolver uses to exclude, in one step, every
version without a wheel glibc 2.26 can load. Served by a real HTTP server on 127.0.0.1 (PEP 503 pages,
basic auth), as a private index would be."""

from __future__ import annotations

import base64
import hashlib
import http.server
import threading
import zipfile
from pathlib import Path

import pytest

from layerbuild.model.target import Target
from layerbuild.resolve.index_files import IndexSettings, accepted_by_version, list_projects
from layerbuild.resolve.lockfile import parse_lock_text

from ...conftest import make_wheel, run_cli

USER, TOKEN = "builder", "s3cr3t-index-token"


def _serve(root: Path, seen_auth: list[str]):
    """A PEP 503 index at http://127.0.0.1:PORT/simple/ over the wheels in `root`, behind basic auth."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep test output clean
            pass

        def do_HEAD(self):
            self.do_GET(head=True)

        def do_GET(self, head: bool = False):
            auth = self.headers.get("Authorization", "")
            seen_auth.append(auth)
            if auth != "Basic " + base64.b64encode(f"{USER}:{TOKEN}".encode()).decode():
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="index"')
                self.end_headers()
                return
            parts = [p for p in self.path.split("?")[0].split("/") if p]
            if len(parts) == 2 and parts[0] == "simple":
                files = sorted(root.glob(f"{parts[1].replace('-', '_')}-*"))
                if not files:
                    self.send_response(404)
                    self.end_headers()
                    return
                links = "".join(
                    f'<a href="/files/{f.name}#sha256={hashlib.sha256(f.read_bytes()).hexdigest()}">{f.name}</a>\n'
                    for f in files
                )
                body = f"<!DOCTYPE html><html><body>{links}</body></html>".encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if not head:
                    self.wfile.write(body)
            elif len(parts) == 2 and parts[0] == "files" and (root / parts[1]).is_file():
                body = (root / parts[1]).read_bytes()
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if not head:
                    self.wfile.write(body)
            else:
                self.send_response(404)
                self.end_headers()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def private_index(tmp_path):
    files = tmp_path / "files"
    # 1.0: a manylinux_2_24 wheel (runs on AL2) and a 2_28 one; 2.0 and 3.0: only 2_28 (needs glibc 2.28).
    make_wheel(
        files,
        "fitpkg",
        "1.0",
        {"fitpkg/__init__.py": "BUILT_FOR = '2_24'\n"},
        tag="cp311-cp311-manylinux_2_24_x86_64",
        purelib=False,
    )
    make_wheel(
        files,
        "fitpkg",
        "1.0",
        {"fitpkg/__init__.py": "BUILT_FOR = '2_28'\n"},
        tag="cp311-cp311-manylinux_2_28_x86_64",
        purelib=False,
    )
    for version in ("2.0", "3.0"):
        make_wheel(
            files,
            "fitpkg",
            version,
            {"fitpkg/__init__.py": f"BUILT_FOR = '2_28 {version}'\n"},
            tag="cp311-cp311-manylinux_2_28_x86_64",
            purelib=False,
        )
    make_wheel(files, "usesfit", "1.0", {"usesfit/__init__.py": "import fitpkg\n"}, requires=["fitpkg>=1.0"])
    seen: list[str] = []
    server = _serve(files, seen)
    yield f"http://{USER}:{TOKEN}@127.0.0.1:{server.server_port}/simple", seen
    server.shutdown()


def test_a_private_index_is_listed_with_its_credentials_sent_as_a_header(private_index):
    url, seen = private_index
    listed = list_projects(["fitpkg", "nothere"], IndexSettings.from_args(["--index-url", url], env={}))
    assert listed["nothere"] == []  # a 404: the project is not on this index
    names = sorted(name for name, _ in listed["fitpkg"])
    assert len(names) == 4 and all(sha and len(sha) == 64 for _, sha in listed["fitpkg"])
    assert seen and all(a.startswith("Basic ") for a in seen)
    seen_versions, good = accepted_by_version("fitpkg", listed["fitpkg"], Target("python3.11", "x86_64").accepts)
    assert seen_versions == {"1.0", "2.0", "3.0"}
    assert list(good) == ["1.0"] and good["1.0"][0][0].endswith("manylinux_2_24_x86_64.whl")


def test_an_index_that_does_not_answer_is_unknown_not_empty():
    settings = IndexSettings.from_args(["--index-url", "http://127.0.0.1:9/simple"], env={})
    assert list_projects(["fitpkg"], settings) == {"fitpkg": None}


def test_index_settings_follow_the_requirements_then_the_environment():
    env = {
        "PIP_INDEX_URL": "https://mirror.example/simple",
        "UV_EXTRA_INDEX_URL": "https://extra.example/simple",
        "PIP_FIND_LINKS": "/wheels",
    }
    settings = IndexSettings.from_args([], env=env)
    assert settings.indexes == ("https://extra.example/simple", "https://mirror.example/simple")
    assert settings.find_links == ("/wheels",)
    assert (
        IndexSettings.from_args(["--index-url", "https://own.example/simple"], env=env).indexes[-1]
        == "https://own.example/simple"
    )
    assert IndexSettings.from_args(["--no-index", "--find-links", "/w"], env={}).indexes == ()


def test_python311_on_a_private_index_gets_the_newest_version_with_an_al2_wheel(tmp_path, private_index, cache_dir):
    """uv at manylinux_2_28 would take fitpkg 3.0; no 2.0/3.0 wheel loads on glibc 2.26, so 1.0 with its
    2_24 wheel is locked and installed, and the token never shows."""
    url, _ = private_index
    reqs = tmp_path / "app" / "requirements.txt"
    reqs.parent.mkdir()
    reqs.write_text(f"--index-url {url}\nusesfit\n")
    lock = tmp_path / "app.lock"
    result = run_cli("lock", str(reqs), "--runtime", "python3.11", "-o", str(lock))
    assert result.code == 0, result.stderr
    # One step: 3.0 was uv's choice; 2.0 was excluded with it from the listing, never tried.
    assert "fitpkg 3.0 has no wheel for python3.11 x86_64" in result.stderr
    assert "fitpkg 2.0" not in result.stderr
    pins, _ = parse_lock_text(lock.read_text())
    assert {p.name: p.version for p in pins} == {"fitpkg": "1.0", "usesfit": "1.0"}
    result = run_cli(
        "build", str(reqs), "--runtime", "python3.11", "--bytecode", "none", "--no-verify", "-o", str(tmp_path / "dist")
    )
    assert result.code == 0, result.stderr
    with zipfile.ZipFile(tmp_path / "dist" / "app-python3.11-x86_64.zip") as zf:
        assert zf.read("python/fitpkg/__init__.py") == b"BUILT_FOR = '2_24'\n"
    outputs = result.stdout + result.stderr + lock.read_text()
    outputs += "".join(p.read_text(errors="replace") for p in (tmp_path / "dist").glob("*.json"))
    assert TOKEN not in outputs
