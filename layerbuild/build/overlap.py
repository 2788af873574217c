"""Stages that run beside the ones after them, so both cores stay busy (issue 15).

A stage marked `beside` in pipeline.STAGES starts in a thread of its own; the stages after it run
meanwhile in the main thread, and its result is awaited when they are done. Three stages do this:
- compress-ahead (after the last stage that removes files): compresses, one file at a time, the files
  no later stage rewrites into the build's stream cache (zip/streams.py) while bytecode compiles and
  the checks run; it stops when the zip starts;
- zip (once the tree is final, after records): written while the native and import checks run;
- native-check: the binaries' findings, while the import check's interpreters run; the import check
  reports them (in the main thread, so progress lines never interleave) before its own result.
Streams are keyed by content, so a file changed after it was compressed ahead is compressed again:
the zip is the same bytes whatever the timing (tests/integration/test_zip_overlap.py).

A failing stage (a failed import check) or a stop signal (util/children.py raises in the main thread)
sets `cancelled`: compress-ahead stops, the zip write removes its temporary file; both threads are
waited for before the error goes on, and build_layer removes the work folder, so nothing half-written
remains. `LAYERBUILD_SEQUENTIAL=1` runs every stage in order in the main thread, as before.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from layerbuild.util.cachedir import cache_root
from layerbuild.zip.streams import StreamCache

if TYPE_CHECKING:
    from layerbuild.bytecode.compilers import Compiler


class Overlap:
    def __init__(self, sequential: bool | None = None) -> None:
        if sequential is None:
            sequential = os.environ.get("LAYERBUILD_SEQUENTIAL") == "1"
        self.sequential = sequential
        self.streams = StreamCache(cache_root() / "zip-streams")
        self.cancelled = threading.Event()  # a stage failed or a signal came: stop the threads
        self.zip_started = threading.Event()  # compress-ahead gives its core to the zip writer
        # set after slimming, with the paths it (and the runtime-provided removal) took out of the tree:
        # compress-ahead leaves the test and cache files, which slimming mostly removes, until then
        self.slimmed = threading.Event()
        self.gone: frozenset[str] = frozenset()
        self.compiler: Compiler | None = None  # the bytecode compiler; its process may start early (stages.py)
        self._running: dict[str, Future[Any]] = {}
        self._pool = ThreadPoolExecutor(max_workers=3, thread_name_prefix="layerbuild-beside")

    def start(self, name: str, run: Callable[[], Any]) -> None:
        """Run `run` beside the stages that follow (in order, here, when sequential)."""
        if self.sequential:
            done: Future[Any] = Future()
            done.set_result(run())
            self._running[name] = done
        else:
            self._running[name] = self._pool.submit(run)

    def wait(self, name: str) -> Any:
        found = self._running.get(name)
        return None if found is None else found.result()

    def results(self) -> dict[str, Any]:
        """Every beside stage's result, once all have finished (the first failure is raised)."""
        return {name: future.result() for name, future in self._running.items()}

    def close(self, failed: bool) -> None:
        """Stop (when `failed`) and wait for every thread; never leaves one running."""
        if failed:
            self.cancelled.set()
            for future in self._running.values():
                future.cancel()
        self._pool.shutdown(wait=True)
        self.streams.flush()
        close = getattr(self.compiler, "close", None)
        if close is not None:
            close()  # a process started early that no compile used
