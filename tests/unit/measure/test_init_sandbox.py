"""The Lambda-like sandbox (measure/init/sandbox.py): what a handler's init sees and may do.

Each test runs a real interpreter of the runtime's Python in the sandbox and asserts one promise:
Lambda's sys.path order, layers merged in order, read-only code and layers with no .pyc written, Lambda's
environment with dummy credentials and none of this machine's, no network, the CPU quota applied (read
back from the cgroup, and the CPU time used bounded by it), every cgroup removed, a hang killed.
The runtime SDK is left out (runtime_sdk=False) except where its place on sys.path is the promise.
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import pytest

from layerbuild.measure.init.cpu_quota import ROOT, quota_unavailable
from layerbuild.measure.init.sandbox import Sandbox
from layerbuild.model.target import Target
from tests.conftest import python_for

PY = "3.11"
TARGET = Target("python3.11", "x86_64")
pytestmark = pytest.mark.skipif(python_for(PY) is None, reason=f"no Python {PY} on this machine")
needs_quota = pytest.mark.skipif(quota_unavailable() is not None, reason=f"no CPU quota here: {quota_unavailable()}")


def _layer_zip(path: Path, files: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return path


def _code(tmp_path: Path, source: str = "def handler(event, context):\n    return 1\n") -> Path:
    code = tmp_path / "code"
    code.mkdir(exist_ok=True)
    (code / "app.py").write_text(source)
    return code


def _json(run) -> dict:
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_sys_path_is_lambdas_order_task_root_opt_python_site_packages_then_stdlib(tmp_path):
    with Sandbox(code=_code(tmp_path), layers=[], target=TARGET, runtime_sdk=False) as box:
        got = _json(box.run("import sys, json; print(json.dumps(sys.path))"))
        root = str(box.root)
    rel = [p[len(root) :] if p.startswith(root) else "STDLIB" for p in got]
    assert rel[:3] == ["/var/task", "/opt/python", f"/opt/python/lib/python{PY}/site-packages"]
    assert set(rel[3:]) == {"STDLIB"} and len(rel) > 3  # then only the interpreter's standard library
    assert not any("site-packages" in p for p in got[3:])  # nothing of this machine's site-packages


@pytest.mark.network
def test_the_runtimes_boto3_comes_after_the_layers_so_a_layer_shadows_its_dependencies(tmp_path):
    layer = _layer_zip(tmp_path / "l.zip", {"python/six.py": "LAYER = True\n"})
    with Sandbox(code=_code(tmp_path), layers=[layer], target=TARGET) as box:
        assert box.sdk_note == ""
        shadow = _json(box.run("import json, six; print(json.dumps(getattr(six, 'LAYER', False)))"))
        got = _json(
            box.run(
                "import sys, json\n"
                "sys.modules.pop('six', None)\n"
                "print(json.dumps([[i for i, p in enumerate(sys.path) if p.endswith('var/runtime')], 0]))"
            )
        )
        boto3_file = _json(
            box.run("import sys, json; sys.path.remove(sys.path[1]); import boto3; print(json.dumps(boto3.__file__))")
        )
    assert got[0] == [3]  # after task root, /opt/python, /opt/python/lib/pythonX.Y/site-packages
    assert shadow is True  # the layer's six wins over the runtime's
    assert "/var/runtime/boto3/" in boto3_file


def test_a_later_layer_replaces_an_earlier_layers_file(tmp_path):
    first = _layer_zip(tmp_path / "a.zip", {"python/shared.py": "WHO = 'a'\n", "python/only_a.py": ""})
    second = tmp_path / "b"
    (second / "python").mkdir(parents=True)
    (second / "python" / "shared.py").write_text("WHO = 'b'\n")
    with Sandbox(code=None, layers=[first, second], target=TARGET, runtime_sdk=False) as box:
        got = _json(box.run("import json, shared, only_a; print(json.dumps(shared.WHO))"))
    assert got == "b"


def test_code_and_layers_are_read_only_and_no_pyc_is_written(tmp_path):
    layer = _layer_zip(tmp_path / "l.zip", {"python/dep/__init__.py": "X = 1\n"})
    code = _code(tmp_path, "import dep\n\ndef handler(event, context):\n    return dep.X\n")
    script = (
        "import os, sys, json, app\n"
        "out = {}\n"
        "for where in (os.environ['LAMBDA_TASK_ROOT'], sys.path[1], os.path.dirname(sys.modules['dep'].__file__)):\n"
        "    try:\n"
        "        open(os.path.join(where, 'new.txt'), 'w').write('x')\n"
        "        out[where] = 'written'\n"
        "    except OSError as e:\n"
        "        out[where] = e.errno\n"
        "open(os.path.join(os.environ['TMPDIR'], 'ok.txt'), 'w').write('tmp is writable')\n"
        "print(json.dumps(out))"
    )
    with Sandbox(code=code, layers=[layer], target=TARGET, runtime_sdk=False) as box:
        run = box.run(script)
        got = _json(run)
        written = [p for p in (*box.task_root.rglob("*"), *box.opt.rglob("*")) if p.name.endswith((".pyc", ".txt"))]
        pycache = [p for p in (*box.task_root.rglob("__pycache__"), *box.opt.rglob("__pycache__"))]
        tmp_ok = (box.tmp / "ok.txt").is_file()
    assert len(got) == 3 and set(got.values()) == {30}  # EROFS, as Lambda's /var/task and /opt
    assert written == [] and pycache == []
    assert tmp_ok
    assert any(p.endswith("new.txt") for p in run.read_only)


def test_lambdas_environment_with_dummy_credentials_and_none_of_this_machines(tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "real-secret-of-this-machine")
    monkeypatch.setenv("MY_APP_SETTING", "leaks?")
    with Sandbox(code=_code(tmp_path), layers=[], target=TARGET, runtime_sdk=False, handler="app.handler") as box:
        env = _json(box.run("import os, json; print(json.dumps(dict(os.environ)))", memory_mb=512))
        task_root = str(box.task_root)
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "512"
    assert env["LAMBDA_TASK_ROOT"] == task_root and env["_HANDLER"] == "app.handler"
    assert env["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.11" and env["AWS_REGION"]
    assert env["AWS_SECRET_ACCESS_KEY"] != "real-secret-of-this-machine" and env["AWS_ACCESS_KEY_ID"]
    assert "MY_APP_SETTING" not in env
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"


def test_a_connection_to_a_non_loopback_host_is_refused_and_reported(tmp_path):
    # Refused by the audit hook before any packet is sent (and in a network namespace of its own as
    # root); 192.0.2.1 is TEST-NET-1.
    script = (
        "import socket, json\n"
        "try:\n"
        "    socket.create_connection(('192.0.2.1', 443), timeout=1)\n"
        "    print(json.dumps('connected'))\n"
        "except OSError as e:\n"
        "    print(json.dumps(e.errno))\n"
    )
    with Sandbox(code=_code(tmp_path), layers=[], target=TARGET, runtime_sdk=False) as box:
        run = box.run(script)
    assert _json(run) == 101  # ENETUNREACH
    assert run.network == ("192.0.2.1:443",)


def test_loopback_works_at_init_as_on_lambda(tmp_path):
    # Lambda's sandbox has loopback up (extensions listen there); the run's own network namespace too.
    script = (
        "import socket, json\n"
        "server = socket.create_server(('127.0.0.1', 0))\n"
        "client = socket.create_connection(server.getsockname(), timeout=5)\n"
        "conn, _ = server.accept()\n"
        "client.sendall(b'ping')\n"
        "print(json.dumps(conn.recv(4).decode()))\n"
    )
    with Sandbox(code=_code(tmp_path), layers=[], target=TARGET, runtime_sdk=False) as box:
        run = box.run(script)
    assert _json(run) == "ping", run.stderr
    assert run.network == ()


def test_a_hang_is_killed_at_the_timeout_with_every_child_it_started(tmp_path):
    script = (
        "import subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
        "print(child.pid, flush=True)\n"
        "time.sleep(600)\n"
    )
    with Sandbox(code=_code(tmp_path), layers=[], target=TARGET, runtime_sdk=False) as box:
        run = box.run(script, timeout=3)
    assert run.timed_out and run.returncode == -9
    grandchild = int(run.stdout.split()[0])
    assert _gone(grandchild)


def _gone(pid: int) -> bool:
    """Exited: no such process, or a zombie waiting for its reaper (it runs no code)."""
    import time

    for _ in range(100):
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.05)
    return False


@needs_quota
def test_the_cpu_quota_is_applied_read_back_and_bounds_the_cpu_time_used(tmp_path):
    busy = "import time\nend = time.monotonic() + 1.5\nwhile time.monotonic() < end:\n    pass\n"
    with Sandbox(code=_code(tmp_path), layers=[], target=TARGET, runtime_sdk=False) as box:
        run = box.run(busy, cpu_share=0.25, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.cpu is not None
    assert (run.cpu.quota_us, run.cpu.period_us) == (25_000, 100_000)
    # A busy loop unthrottled uses a whole core for its wall time; under the quota at most a quarter
    # (plus one period of slack at the start and end).
    assert run.cpu.usage_ns is not None
    assert run.cpu.usage_ns / 1e9 <= 0.25 * run.wall_s + 0.2


@needs_quota
def test_lambdas_cpu_share_is_memory_over_1769_of_a_core(tmp_path):
    with Sandbox(code=_code(tmp_path), layers=[], target=TARGET, runtime_sdk=False) as box:
        assert box.cpu_share(128) == pytest.approx(128 / 1769)
        assert box.cpu_share(1769) == pytest.approx(1.0)
        assert box.cpu_share(10240) <= os.cpu_count()  # capped at this machine's cores
        run = box.run("pass", cpu_share=box.cpu_share(512))
    assert run.cpu is not None and run.cpu.quota_us == round(512 / 1769 * 100_000)


@needs_quota
def test_no_cgroup_of_ours_remains_after_runs_also_a_killed_one(tmp_path):
    with Sandbox(code=_code(tmp_path), layers=[], target=TARGET, runtime_sdk=False) as box:
        box.run("pass", cpu_share=0.5)
        box.run("import time\ntime.sleep(60)", cpu_share=0.5, timeout=1)
    ours = f"layerbuild-{os.getpid()}-"
    left = [p for sub in ("cpu", "cpuacct", "") for p in (ROOT / sub).glob(f"{ours}*")]
    assert left == []
