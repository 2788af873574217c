"""`build --code --handler` with `--bytecode init` and `--prune unused` (issue 16), on real handlers and
real packages from the index. Every check of what init used is made by an interpreter of our own here
(plain `python -S` with the unzipped layer on sys.path), never by layerbuild's trace."""

from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path

import pytest

from layerbuild.build.init_stage import TRACE_FILE

from ..conftest import make_wheel, python_for, run_cli

ROOT = Path(__file__).resolve().parents[2]
POWERTOOLS = ROOT / "examples" / "handlers" / "powertools_api"
PY = python_for("3.12")
pytestmark = pytest.mark.skipif(PY is None, reason="needs a Python 3.12 interpreter")

# Runs the handler with the layer after the code, then prints the layer files of every module loaded.
_INDEPENDENT = r"""
import importlib, json, sys
code, layer, handler, events = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
sys.path[:0] = [code, layer]
class Ctx:
    function_name = "fn"; function_version = "$LATEST"; memory_limit_in_mb = 128
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:fn"
    aws_request_id = "req-1"; log_group_name = "/aws/lambda/fn"; log_stream_name = "s"
    def get_remaining_time_in_millis(self): return 3000
mod, _, fn = handler.rpartition(".")
function = getattr(importlib.import_module(mod), fn)
results = [function(json.load(open(e)), Ctx()) for e in events]
files = sorted({m.__file__[len(layer) + 1:] for m in list(sys.modules.values())
                if getattr(m, "__file__", None) and m.__file__.startswith(layer + "/")})
print(json.dumps({"files": files, "results": results}))
"""


def _lambda_env(code: Path) -> dict[str, str]:
    """Lambda's variables (the facts table; code takes other paths outside Lambda, aws-xray-sdk does)."""
    from layerbuild.facts.lambda_environment import lambda_environment

    env = lambda_environment(
        runtime="python3.12", memory_mb=128, handler="app.handler", function_name="fn", region="us-east-1",
        task_root=str(code), runtime_dir="/var/runtime",
    )  # fmt: skip
    return {**env, "PATH": "/usr/bin:/bin"}


def _independent_run(code: Path, layer: Path, handler: str, events: list[Path]) -> dict:
    proc = subprocess.run(
        [PY, "-S", "-B", "-c", _INDEPENDENT, str(code), str(layer), handler, *map(str, events)],
        capture_output=True,
        text=True,
        timeout=300,
        env=_lambda_env(code),
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _unzip(zip_path: Path, dest: Path) -> Path:
    with zipfile.ZipFile(zip_path) as zf:
        zf.extractall(dest)
    return dest / "python"


def _idna_handler(root: Path) -> tuple[Path, Path, list[Path]]:
    code = root / "fn"
    code.mkdir(parents=True)
    (code / "app.py").write_text(
        "import idna\n\n\ndef handler(event, context):\n"
        "    return {'ascii': idna.encode(event['host'], uts46=event.get('uts46', False)).decode()}\n"
    )
    reqs = code / "requirements.txt"
    reqs.write_text("idna==3.10\n")
    event = root / "events" / "uts46.json"
    event.parent.mkdir()
    event.write_text(json.dumps({"host": "Bücher.example", "uts46": True}))
    return code, reqs, [event]


@pytest.mark.parametrize("as_zip", [False, True], ids=["code-folder", "code-zip"])
def test_bytecode_init_ships_pyc_exactly_for_the_modules_init_and_the_replay_imported(tmp_path, cache_dir, as_zip):
    code, reqs, events = _idna_handler(tmp_path)
    code_arg = str(code)
    if as_zip:  # a deployment zip, as `--code` also takes
        code_arg = str(tmp_path / "fn.zip")
        with zipfile.ZipFile(code_arg, "w") as zf:
            zf.write(code / "app.py", "app.py")
    out = tmp_path / "dist"
    args = ["build", str(reqs), "--code", code_arg, "--handler", "app.handler", "--bytecode", "init", "-o", str(out)]
    result = run_cli(*args, "--event", str(events[0]))
    assert result.code == 0, result.stderr
    layer = _unzip(out / "fn-python3.12-x86_64.zip", tmp_path / "unzipped")
    with_pyc = {
        str(p.parent.parent.relative_to(layer) / p.name.split(".")[0]) + ".py" for p in layer.rglob("__pycache__/*.pyc")
    }
    used = set(_independent_run(code, layer, "app.handler", events)["files"])
    assert with_pyc == used
    assert "idna/uts46data.py" in used  # imported by the replay only (idna imports it lazily)
    assert (layer / "idna" / "codec.py").is_file() and "idna/codec.py" not in with_pyc  # shipped as source
    entries = list((cache_dir / "builds").glob("*/*"))  # the trace is not kept in the cache entry
    # the entry: its zip and record, the small stamps a cache hit reads (build/cache.py, pipeline.py) and
    # the zip's entries, which a later build's zip copies from (zip/earlier.py)
    kept = {"entry.json", "layer.zip", "checked", "exported", "sdk-warnings.json", "layer.zip.entries"}
    assert entries and all({"entry.json", "layer.zip"} <= {p.name for p in e.iterdir()} <= kept for e in entries)
    assert not any((e / TRACE_FILE).exists() for e in entries)


def test_a_changed_handler_is_a_new_build_not_the_cached_one(tmp_path, cache_dir):
    code, reqs, events = _idna_handler(tmp_path)
    args = ["build", str(reqs), "--code", str(code), "--handler", "app.handler", "--bytecode", "init"]
    first = run_cli(*args, "-o", str(tmp_path / "a"))
    assert first.code == 0, first.stderr
    (code / "app.py").write_text("import idna.codec\nimport idna\n\n\ndef handler(event, context):\n    return {}\n")
    second = run_cli(*args, "-o", str(tmp_path / "b"))
    assert second.code == 0 and "built:" in second.stderr, second.stderr
    with zipfile.ZipFile(tmp_path / "b" / "fn-python3.12-x86_64.zip") as zf:
        assert "python/idna/__pycache__/codec.cpython-312.pyc" in zf.namelist()


def test_prune_unused_on_a_real_powertools_handler_removes_files_and_its_replays_still_pass(tmp_path, cache_dir):
    events = sorted((POWERTOOLS / "events").glob("*.json"))
    base = ["build", str(POWERTOOLS / "requirements.txt"), "--keep-runtime-packages", "--bytecode", "none"]
    full = run_cli(*base, "-o", str(tmp_path / "full"))
    assert full.code == 0, full.stderr
    pruned = run_cli(
        *base, "--code", str(POWERTOOLS), "--handler", "app.handler", "--prune", "unused",
        "--event", str(POWERTOOLS / "events" / "*.json"), "-o", str(tmp_path / "pruned"),
    )  # fmt: skip
    assert pruned.code == 0, pruned.stderr
    with zipfile.ZipFile(tmp_path / "full" / "powertools_api-python3.12-x86_64.zip") as zf:
        before = set(zf.namelist())
    with zipfile.ZipFile(tmp_path / "pruned" / "powertools_api-python3.12-x86_64.zip") as zf:
        after = set(zf.namelist())
    removed = before - after
    assert len(removed) > 50
    assert not [p for p in removed if ".dist-info/" in p]
    assert not [p for p in removed if p.endswith("/__init__.py")]
    report = json.loads((tmp_path / "pruned" / "powertools_api-python3.12-x86_64.report.json").read_text())
    unused = {row["package"]: row["files"] for row in report["removed"] if row["rule"] == "unused"}
    assert unused.get("aws-lambda-powertools", 0) > 0 and sum(unused.values()) == len(removed)
    layer = _unzip(tmp_path / "pruned" / "powertools_api-python3.12-x86_64.zip", tmp_path / "unzipped")
    results = _independent_run(POWERTOOLS, layer, "app.handler", events)["results"]
    assert [r["statusCode"] for r in results] == [200, 200, 200]


def _formats_package(links: Path) -> None:
    """A real pattern the trace cannot see: a package checks that a data file exists (os.stat, no
    `open` audit event) before using it, and refuses when it is gone."""
    make_wheel(
        links,
        "formatkit",
        "1.0",
        {
            "formatkit/__init__.py": (
                "import os\n_HERE = os.path.dirname(__file__)\n\n\ndef require(name):\n"
                "    if not os.path.isfile(os.path.join(_HERE, 'formats', name + '.json')):\n"
                "        raise LookupError('format %s is not installed' % name)\n    return name\n"
            ),
            "formatkit/formats/csv.json": '{"sep": ","}\n',
            "formatkit/extra.py": "UNUSED = True\n",
        },
    )


def test_a_prune_that_breaks_a_replay_puts_that_package_back_and_says_so(tmp_path, cache_dir):
    links = tmp_path / "links"
    _formats_package(links)
    code = tmp_path / "fn"
    code.mkdir()
    (code / "app.py").write_text(
        "import formatkit\nimport idna\n\n\ndef handler(event, context):\n"
        "    return {'format': formatkit.require(event['format']), 'host': idna.encode(event['host']).decode()}\n"
    )
    reqs = code / "requirements.txt"
    reqs.write_text(f"--find-links {links}\nformatkit==1.0\nidna==3.10\n")
    event = tmp_path / "csv.json"
    event.write_text(json.dumps({"format": "csv", "host": "example.org"}))
    out = tmp_path / "dist"
    result = run_cli(
        "build", str(reqs), "--code", str(code), "--handler", "app.handler", "--prune", "unused",
        "--event", str(event), "--bytecode", "none", "-o", str(out),
    )  # fmt: skip
    assert result.code == 0, result.stderr
    assert "put back the pruned files of formatkit" in result.stderr and "LookupError" in result.stderr
    with zipfile.ZipFile(out / "fn-python3.12-x86_64.zip") as zf:
        names = set(zf.namelist())
    assert {"python/formatkit/formats/csv.json", "python/formatkit/extra.py"} <= names  # all of it is back
    assert "python/idna/codec.py" not in names  # the other package stays pruned
    report = json.loads((out / "fn-python3.12-x86_64.report.json").read_text())
    assert {row["package"] for row in report["removed"] if row["rule"] == "unused"} == {"idna"}
    layer = _unzip(out / "fn-python3.12-x86_64.zip", tmp_path / "unzipped")
    assert _independent_run(code, layer, "app.handler", [event])["results"] == [
        {"format": "csv", "host": "example.org"}
    ]


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (["--prune", "unused"], "--prune unused runs the function's handler: pass --code DIR and --handler"),
        (["--bytecode", "init", "--code", "."], "--bytecode init runs the function's handler: pass --handler"),
        (["--prune", "unused", "--code", ".", "--handler", "app.handler", "--event", "nope.json"], "--event nope.json: no such file"),
        (["--bytecode", "init", "--code", ".", "--handler", "app.handler", "--event", "missing/*.json"], "--event missing/*.json: no file matches"),
        (["--event", "e.json"], "--event runs the function's handler: pass --code DIR and --handler"),
        (["--prune", "unused", "--code", "nope.zip", "--handler", "app.handler"], "--code nope.zip: no such folder or zip"),
    ],
)  # fmt: skip
def test_function_options_without_what_they_need_are_one_line_and_exit_2(tmp_path, cache_dir, extra, expected):
    reqs = tmp_path / "requirements.txt"
    reqs.write_text("idna==3.10\n")
    result = run_cli("build", str(reqs), "-o", str(tmp_path / "dist"), *extra, cwd=tmp_path)
    assert result.code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("layerbuild: error: ") and expected in lines[0]
    assert not (tmp_path / "dist").exists() or not any((tmp_path / "dist").iterdir())


@pytest.mark.parametrize(
    ("source", "handler", "expected"),
    [
        ("raise RuntimeError('DB_URL is not set')\n", "app.handler", "RuntimeError: DB_URL is not set"),
        ("def handler(event, context):\n    return 1\n", "app.nope", "module 'app' has no attribute 'nope'"),
        ("def handler(event, context):\n    return 1\n", "missing.handler", "no missing.py in"),
        ("import urllib.request\nurllib.request.urlopen('http://example.com', timeout=5)\n", "app.handler", "Network is unreachable"),
    ],
)  # fmt: skip
def test_a_handler_that_cannot_init_is_its_own_line_and_exit_2(tmp_path, cache_dir, source, handler, expected):
    code = tmp_path / "fn"
    code.mkdir()
    (code / "app.py").write_text(source)
    reqs = tmp_path / "requirements.txt"
    reqs.write_text("idna==3.10\n")
    result = run_cli(
        "build", str(reqs), "--code", str(code), "--handler", handler, "--prune", "unused", "-o", str(tmp_path / "dist")
    )
    assert result.code == 2, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("layerbuild: error: --handler") and expected in last
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "dist").exists() or not any((tmp_path / "dist").iterdir())
