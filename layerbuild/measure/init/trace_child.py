"""Run in a fresh interpreter of the target's Python (never imported by layerbuild): init a handler,
replay events, and write what was imported and opened from the layer.

Run through the sandbox's bootstrap (bootstrap.py: sys.path, read-only folders, no network), with
argv[1] a JSON spec: `layers` (the folders whose files are recorded), `handler` (`module.function`, a
path allowed: `src/app.handler`), `events` (JSON files), `out` (where the result goes). An audit hook
(`sys.addaudithook`) records every `import` and `open` event and every `ctypes.dlopen`. The result holds only paths
under the layers: `modules` (sys.modules at the end, with their files), `opened`, `dlopened`, and one
`phases` entry per step (init, then each event) with its error, if any, as the traceback shows it.
Standard library only: this file runs with `-S` on the layer's sys.path.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
import traceback
from typing import Any


class _Context:
    """What Lambda passes as `context` (the attributes the Python runtime documents)."""

    def __init__(self, name: str, memory: str) -> None:
        self.function_name = name
        self.function_version = "$LATEST"
        self.memory_limit_in_mb = int(memory)
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{name}"
        self.aws_request_id = "00000000-0000-4000-8000-000000000000"
        self.log_group_name = f"/aws/lambda/{name}"
        self.log_stream_name = "2026/01/01/[$LATEST]00000000000000000000000000000000"
        self.identity = None
        self.client_context = None
        self._deadline = time.monotonic() + 900

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def _error(exc: BaseException) -> dict[str, Any]:
    frames = traceback.extract_tb(exc.__traceback__)
    return {
        "type": type(exc).__name__,
        "message": str(exc)[:2000],
        "name": getattr(exc, "name", None) if isinstance(exc, ImportError) else None,
        "filename": getattr(exc, "filename", None) if isinstance(exc, OSError) else None,
        "frames": [f.filename for f in frames][-60:],
        "line": traceback.format_exception_only(type(exc), exc)[-1].strip()[:500],
    }


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as fh:
        spec = json.load(fh)
    roots = tuple(os.path.realpath(p) + os.sep for p in spec["layers"])
    opened: set[str] = set()
    dlopened: set[str] = set()

    def in_layer(path: Any) -> str | None:
        try:
            text = os.fsdecode(path)
        except TypeError:
            return None  # a file descriptor
        full = os.path.realpath(os.path.join(os.getcwd(), text)) if not os.path.isabs(text) else text
        return full if full.startswith(roots) else None

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event == "open" and args:
            found = in_layer(args[0])
            if found:
                opened.add(found)
        elif event == "ctypes.dlopen" and args and args[0]:
            dlopened.add(os.fsdecode(args[0]))

    sys.addaudithook(hook)
    module_name, _, attr = spec["handler"].rpartition(".")
    phases: list[dict[str, Any]] = []
    start = time.perf_counter()
    function: Any = None
    try:
        module = importlib.import_module(module_name.replace("/", "."))
        function = getattr(module, attr)
        phases.append({"phase": "init", "ok": True, "ms": (time.perf_counter() - start) * 1000})
    except BaseException as exc:  # noqa: BLE001 - the user's code may raise anything, SystemExit too
        phases.append({"phase": "init", "ok": False, "error": _error(exc)})
    context = _Context(
        os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "function"),
        os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024"),
    )
    for path in spec["events"] if function is not None else []:
        with open(path, encoding="utf-8") as fh:
            event = json.load(fh)
        start = time.perf_counter()
        try:
            result = function(event, context)
            ok, error = True, None
            if isinstance(result, dict) and isinstance(result.get("statusCode"), int) and result["statusCode"] >= 500:
                ok, error = False, {"type": "HTTP", "message": f"status {result['statusCode']}", "frames": []}
        except BaseException as exc:  # noqa: BLE001
            ok, error = False, _error(exc)
        phases.append(
            {"phase": "event", "event": path, "ok": ok, "error": error, "ms": (time.perf_counter() - start) * 1000}
        )
    modules = {}
    for name, mod in list(sys.modules.items()):
        where = [getattr(mod, "__file__", None), *list(getattr(mod, "__path__", None) or [])]
        files = [f for f in (in_layer(w) for w in where if isinstance(w, str)) if f]
        if files:
            modules[name] = files
    result = {"phases": phases, "modules": modules, "opened": sorted(opened), "dlopened": sorted(dlopened)}
    tmp = spec["out"] + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(result, fh)
    os.replace(tmp, spec["out"])


if __name__ == "__main__":
    main()
    sys.stdout.flush()
    os._exit(0)  # threads a handler started (SDK clients, pools) must not hold the trace open
