"""Index tokens and AWS keys never leave the process: not on stdout or stderr, not in the lock, the
zip, the reports, the cache, nor in the text of an error — for a whole lock → build → report → audit →
publish run, and for runs that fail while the secrets are in play.

The index is real: a PEP 503 simple index served on 127.0.0.1 that answers 401 without the right
basic-auth credentials, holding wheels built here. AWS is a real moto server over HTTP on 127.0.0.1.
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import threading
import zipfile
from pathlib import Path

import pytest

from ..conftest import make_wheel, run_cli

pytestmark = pytest.mark.aws

USER = "ci-robot"
TOKEN = "idx-T0ken-7f3a9c51e2b84d06"


@pytest.fixture(scope="module")
def private_index(tmp_path_factory):
    """A simple index that needs `USER:TOKEN`; yields its host:port."""
    files = tmp_path_factory.mktemp("private-index")
    make_wheel(
        files, "privlib", "1.0", {"privlib/__init__.py": "from privhelper import HELP\n"}, requires=["privhelper>=1"]
    )
    make_wheel(files, "privhelper", "1.2", {"privhelper/__init__.py": "HELP = 'yes'\n"})
    wheels = {p.name: p for p in files.glob("*.whl")}
    expected = "Basic " + base64.b64encode(f"{USER}:{TOKEN}".encode()).decode()
    requests_seen: list[str] = []

    class Index(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _send(self, status: int, body: bytes, ctype: str = "text/html") -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            if status == 401:
                self.send_header("WWW-Authenticate", 'Basic realm="private"')
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def do_GET(self):
            requests_seen.append(self.path)
            if self.headers.get("Authorization") != expected:
                return self._send(401, b"unauthorized")
            parts = [p for p in self.path.split("?")[0].split("/") if p]
            if parts == ["simple"]:
                names = sorted({w.split("-")[0] for w in wheels})
                return self._send(200, "".join(f'<a href="/simple/{n}/">{n}</a>\n' for n in names).encode())
            if len(parts) == 2 and parts[0] == "simple":
                want = parts[1].replace("-", "_")
                links = [
                    f'<a href="/files/{w}#sha256={hashlib.sha256(p.read_bytes()).hexdigest()}">{w}</a>'
                    for w, p in sorted(wheels.items())
                    if w.split("-")[0] == want
                ]
                if not links:
                    return self._send(404, b"not found")
                return self._send(
                    200, ("<!DOCTYPE html><html><body>\n" + "\n".join(links) + "\n</body></html>\n").encode()
                )
            if len(parts) == 2 and parts[0] == "files" and parts[1] in wheels:
                return self._send(200, wheels[parts[1]].read_bytes(), "application/octet-stream")
            return self._send(404, b"not found")

        do_HEAD = do_GET  # uv asks for a wheel's size with HEAD before a range request

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Index)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"host": f"127.0.0.1:{server.server_address[1]}", "seen": requests_seen}
    server.shutdown()
    server.server_close()


def _secrets(aws_env: dict[str, str]) -> list[str]:
    return [
        TOKEN,
        f"{USER}:{TOKEN}",
        base64.b64encode(f"{USER}:{TOKEN}".encode()).decode(),
        aws_env["AWS_SECRET_ACCESS_KEY"],
        aws_env["AWS_SESSION_TOKEN"],
        aws_env["AWS_ACCESS_KEY_ID"],
    ]


def _everything_written(root: Path, skip: set[Path]) -> dict[str, bytes]:
    """Every file under `root` (and every member of every zip, and the zip listings), as bytes."""
    found: dict[str, bytes] = {}
    for path in root.rglob("*"):
        if not path.is_file() or path in skip:
            continue
        data = path.read_bytes()
        found[str(path)] = data
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zf:
                found[f"{path} (listing)"] = "\n".join(zf.namelist()).encode()
                for name in zf.namelist():
                    found[f"{path}!{name}"] = zf.read(name)
    return found


def _assert_no_secret(outputs: dict[str, bytes | str], secrets: list[str]) -> None:
    leaks = []
    for where, data in outputs.items():
        blob = data if isinstance(data, bytes) else data.encode()
        for secret in secrets:
            if secret.encode() in blob:
                leaks.append(f"{secret[:6]}… in {where}")
    assert not leaks, leaks


def test_full_run_with_an_index_token_and_aws_keys_leaks_neither(private_index, aws_env, tmp_path):
    index = f"http://{USER}:{TOKEN}@{private_index['host']}/simple/"
    proj = tmp_path / "proj"
    proj.mkdir()
    reqs = proj / "requirements.txt"
    reqs.write_text(f"--index-url {index}\nprivlib==1.0\n")
    env = {**aws_env, "LAYERBUILD_CACHE_DIR": str(tmp_path / "cache")}
    outputs: dict[str, bytes | str] = {}

    def run(label: str, *args: str, ok=(0,)):
        result = run_cli(*args, env=env, cwd=proj)
        outputs[f"{label} stdout"] = result.stdout
        outputs[f"{label} stderr"] = result.stderr
        assert result.code in ok, f"{label}: {result.stderr}"
        return result

    run("lock", "lock", "requirements.txt", "-o", "requirements.lock")
    run("build", "build", "requirements.txt", "-o", "dist", "--format", "json")
    zip_path = proj / "dist" / "proj-python3.12-x86_64.zip"
    assert zip_path.is_file()
    with zipfile.ZipFile(zip_path) as zf:  # the private packages really came through the private index
        assert {"python/privlib/__init__.py", "python/privhelper/__init__.py"} <= set(zf.namelist())
    assert any(p.startswith("/files/privlib") for p in private_index["seen"])
    for fmt in ("json", "markdown", "html"):
        run(f"report {fmt}", "report", str(zip_path), "--no-measure", "--format", fmt, "-o", f"reports/report.{fmt}")
    run("audit", "audit", str(zip_path), "--format", "json", "-o", "reports/audit.json", ok=(0, 1))
    run("audit sarif", "audit", str(zip_path), "--format", "sarif", ok=(0, 1))
    run("publish", "publish", str(zip_path), "--layer-name", "private-deps", "--region", "us-east-1")
    run(
        "publish again",
        "publish",
        str(zip_path),
        "--layer-name",
        "private-deps",
        "--region",
        "us-east-1",
        "--format",
        "json",
    )

    # Runs that fail while the secrets are in play: their one error line must not carry them either.
    bad = proj / "bad-requirements.txt"
    bad.write_text(f"--index-url {index}\nprivlib-typo==1.0\n")
    run("unknown package", "build", str(bad), "-o", "dist-bad", ok=(2,))
    wrong = proj / "wrong-token.txt"
    wrong.write_text(f"--index-url http://{USER}:{TOKEN}x@{private_index['host']}/simple/\nprivlib==1.0\n")
    refused = run("wrong token", "build", str(wrong), "-o", "dist-bad", ok=(2,))
    assert "401 Unauthorized" in refused.stderr and "credentials" in refused.stderr
    unparseable = proj / "broken.txt"
    unparseable.write_text(f"privlib @ http://{USER}:{TOKEN}@{private_index['host']}/files/x.whl ; ===\n")
    run("unparseable line", "--debug", "lock", str(unparseable), ok=(1, 2))
    run("debug traceback", "--debug", "build", str(bad), "-o", "dist-bad", ok=(1, 2))
    run(
        "publish with no such bucket",
        "publish",
        str(zip_path),
        "--layer-name",
        "private-deps-s3",
        "--region",
        "us-east-1",
        "--s3-bucket",
        "no-such-layer-bucket",
        ok=(2,),
    )

    outputs.update(_everything_written(tmp_path, skip={reqs, bad, wrong, unparseable}))
    assert any(k.endswith("requirements.lock") for k in outputs)
    assert any("report.html" in k for k in outputs) and any("/cache/" in k for k in outputs)
    _assert_no_secret(outputs, _secrets(aws_env))
