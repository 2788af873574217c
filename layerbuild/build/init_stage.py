"""The build stage that runs the function's handler: trace init and the replays, then `--prune unused`.

Runs after slim and before bytecode when the build needs the handler (`--bytecode init`, `--prune
unused`). The trace (measure/init/trace.py) runs on the staging tree as the layer, with the runtime's
own SDK after it (measure/init/runtime_sdk_dir.py), as on Lambda's sys.path. It
must pass on the unpruned layer: a handler that fails there is the user's to fix (exit 2, its own
error line). What the stage found is written to `init-trace.json` in the work folder for the later
stages: the sources init imported (bytecode `init`) and the top-level modules it imported (with
pruning, the import check imports only those: the others were pruned on purpose).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from layerbuild.config import BuildOptions
from layerbuild.errors import EnvironmentProblem, InputError
from layerbuild.model.removals import Removals
from layerbuild.util.progress import step

if TYPE_CHECKING:  # a cache hit asks this module for the cache key only (function_digest)
    from layerbuild.build.context import BuildContext
    from layerbuild.tree.index import TreeIndex

TRACE_FILE = "init-trace.json"


@dataclass(frozen=True)
class InitResult:
    traced: bool
    pruned: Removals = Removals()
    restored: tuple[str, ...] = ()  # one line per package put back, with the failure that made it


def needs_trace(options: BuildOptions) -> bool:
    """Whether the build runs the handler: `--bytecode init` or `--prune unused` asks for it. `auto` does
    not become `init` when a handler is known: on the three handlers of docs/benchmarks.md ("Handler
    init") `init` zips 16-49 % larger than `none`, not within the 5 % issue 16 set as the condition."""
    return options.bytecode == "init" or options.prune is not None


def check_function_options(options: BuildOptions) -> None:
    """`--bytecode init` and `--prune unused` need both `--code` and `--handler`; `--event` needs them too."""
    asked = [
        what
        for what, on in (
            ("--bytecode init", options.bytecode == "init"),
            ("--prune unused", options.prune is not None),
            ("--event", bool(options.events)),
        )
        if on
    ]
    if asked and not (options.code and options.handler):
        missing = " and ".join(
            f for f, v in (("--code DIR", options.code), ("--handler MODULE.FUNCTION", options.handler)) if not v
        )
        raise InputError(f"{asked[0]} runs the function's handler: pass {missing}")
    if asked and options.code and not Path(options.code).exists():
        raise InputError(f"--code {options.code}: no such folder or zip: name the function's code folder or its zip")
    for path in event_files(options):
        event = str(path)
        if not path.is_file():
            raise InputError(f"--event {event}: no such file: name a JSON event file (globs are expanded)")
        try:
            json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise InputError(f"--event {event} is not JSON ({exc}): pass the event Lambda would receive") from None


def event_files(options: BuildOptions) -> list[Path]:
    """`--event` values (flags or the config's `events`) with globs expanded, sorted per pattern, in
    the order given; a pattern matching no file is an InputError."""
    import glob

    found: list[Path] = []
    for pattern in options.events:
        if not glob.has_magic(pattern):
            found.append(Path(pattern))
            continue
        matches = sorted(glob.glob(pattern, recursive=True))
        if not matches:
            raise InputError(f"--event {pattern}: no file matches: check the pattern")
        found += [Path(m) for m in matches]
    return found


def function_digest(options: BuildOptions) -> str | None:
    """What the build cache must know when the layer depends on the function: the code's content
    (relative names and bytes, not where it lies), the handler and the events replayed."""
    if not (needs_trace(options) and options.code and options.handler):
        return None
    h = hashlib.sha256(f"handler\0{options.handler}\0".encode())
    code = Path(options.code)
    skip = {".git", "__pycache__", ".aws-sam", ".venv", ".mypy_cache", ".pytest_cache", ".ruff_cache"}
    files = [code] if code.is_file() else sorted(p for p in code.rglob("*") if p.is_file())
    for file in files:
        if skip & set(file.relative_to(code).parts if file != code else ()):
            continue
        h.update(f"\0{file.relative_to(code).as_posix() if file != code else ''}\0".encode())
        h.update(file.read_bytes())
    for event in event_files(options):
        h.update(b"\0event\0" + event.read_bytes())
    return h.hexdigest()


def trace_and_prune(tree: TreeIndex, context: BuildContext) -> InitResult:
    options = context.options
    if not needs_trace(options):
        return InitResult(False)
    assert options.code and options.handler
    from layerbuild.measure.init.trace import check_handler, code_folder, trace_handler

    python = context.settings.python
    if python is None:
        raise EnvironmentProblem(
            f"running the handler needs a Python {context.target.python_version} interpreter, and none was "
            f"found: install one (uv python install {context.target.python_version})"
        )
    _refuse_foreign_machine(tree, context)
    events = event_files(options)
    after = _runtime_sdk(context, python)
    runtime = context.target.runtime
    result = InitResult(True)
    with code_folder(options.code) as code:
        check_handler(code, options.handler)
        with step(f"Tracing {options.handler}: init and {len(events)} event(s)"):
            trace = trace_handler(python, code, tree.root, options.handler, events, runtime=runtime, after=after)
        failed = trace.first_failure
        if failed is not None:
            raise InputError(
                f"--handler {options.handler}: {failed.describe()} on the unpruned layer: fix the handler or its events"
            )
        if options.prune:
            from layerbuild.slim.unused import prune_unused

            def replay() -> object:
                return trace_handler(
                    python, code, tree.root, options.handler or "", events, runtime=runtime, after=after
                )

            pruned, restored = prune_unused(tree, trace, replay, context.work / "pruned")
            result = InitResult(True, pruned, restored)
    used = trace.module_files()
    imported_top = sorted({name.split(".")[0] for name in trace.modules})
    (context.work / TRACE_FILE).write_text(json.dumps({"sources": sorted(used), "top_level": imported_top}))
    return result


def _runtime_sdk(context: BuildContext, python: Path) -> list[Path]:
    """What Lambda puts after the layers: the runtime's own boto3 family (measure/init/runtime_sdk_dir.py);
    without it, the layer's own copies set aside before their removal, and a note."""
    from layerbuild.measure.init.runtime_sdk_dir import runtime_sdk_folder
    from layerbuild.util.progress import note

    folder, why = runtime_sdk_folder(context.target, python)
    if folder is not None:
        return [folder]
    note(f"layerbuild: the handler runs without the runtime's own boto3 ({why})")
    return [context.runtime_dir] if context.runtime_dir.is_dir() else []


def traced(context: BuildContext) -> dict[str, list[str]] | None:
    """What trace_and_prune found (`sources`, `top_level`), or None when it did not run."""
    path = context.work / TRACE_FILE
    return json.loads(path.read_text()) if path.is_file() else None


def _refuse_foreign_machine(tree: TreeIndex, context: BuildContext) -> None:
    import platform

    if platform.machine() == context.target.machine:
        return
    native = [f.arcname for f in tree.files() if f.arcname.endswith(".so") or ".so." in f.arcname]
    if native:
        raise EnvironmentProblem(
            f"the handler cannot run here: the layer's native libraries are for {context.target.machine}, this "
            f"machine is {platform.machine()} ({native[0]}); build on a {context.target.machine} machine"
        )
