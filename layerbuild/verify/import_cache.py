"""Remember import checks that passed, so a rebuild imports again only what its change can affect.

A module's import reads more than its own distribution: requests imports urllib3, idna and (if present)
simplejson; fsspec reads every distribution's entry points. So a passed check is not keyed on its own
distribution alone but on what that import actually read, as the child reported it (smoke.py):
- every file it opened, every module file it loaded and every file mapped into the process (shared
  libraries the dynamic linker loaded) under the layer or the runtime-provided folder: the check is valid
  while each distribution owning one of them has the same content (a sha256 over its files' paths and
  digests, tree/digests.py, so a slimmed-away file, a new .pyc or a changed byte all count);
- the top-level names it asked for and no finder found (`try: import simplejson`): valid while the same
  distributions (none, usually) provide that name, so adding a package that provides it checks again;
- whether code other than the import system listed a path folder (importlib.metadata enumerating every
  distribution): then the check depends on the whole layer and is valid only for the same whole layer.
Plus what every import depends on: the interpreter (real path and version), the target and whether the
runtime-provided packages sit behind the layer. This closure is what the import depended on, found by
watching it, rather than declared dependencies, which miss optional imports and plugin scans; keying
every module on every distribution would be safe too, but then adding one package would check all again.

Only plain passes are kept (not a module that loads through another one, not a failure or a warning: those
run every time). Records live under the cache folder's `imports/`, written atomically, one per module,
distribution and content of that distribution.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from layerbuild.model.target import Target
from layerbuild.tree.distributions import Distribution, owner_lookup
from layerbuild.tree.index import TreeIndex

if TYPE_CHECKING:
    from layerbuild.aws.shared_cache import SharedStore

_FORMAT = "layerbuild-import-check-1"
Owner = tuple[int, str]  # (0: the layer, 1: the runtime-provided folder; distribution name, "" unowned)


def _file_hash(sha256: Callable[[str], bytes], path: str) -> str:
    try:
        return sha256(path).hex()
    except OSError:
        return "missing"


def _top_name(rel: str) -> str | None:
    """The top-level import name a path provides (`x/…`, `x.py`, `x.cpython-312-…so`), or None."""
    first, sep, _ = rel.partition("/")
    if first.endswith((".dist-info", ".egg-info", ".data")):
        return None
    return first if sep else first.split(".", 1)[0]


def _any_record(store: Path) -> bool:
    """Whether `store` holds a record (its first folder with a file answers)."""
    try:
        with os.scandir(store) as folders:
            for folder in folders:
                if folder.is_dir():
                    with os.scandir(folder.path) as records:
                        if next(records, None) is not None:
                            return True
    except OSError:
        pass
    return False


class ImportReuse:
    """The passed checks of earlier builds that still hold for this tree (module docstring)."""

    def __init__(
        self,
        tree: TreeIndex,
        python: Path,
        python_version: str,
        target: Target,
        runtime_dir: Path | None = None,
        runtime_dists: tuple[Distribution, ...] = (),
        store: Path | None = None,
        shared: SharedStore | None = None,
    ) -> None:
        from layerbuild.util.cachedir import cache_root

        self.store = store or cache_root() / "imports"
        self.shared = shared  # --cache-url: a record missing here is asked of the store, a new one sent to it
        runtime = runtime_dir if runtime_dir is not None and runtime_dir.is_dir() else None
        self.roots = [str(tree.root.resolve())] + ([str(runtime.resolve())] if runtime else [])
        self.salt = json.dumps([_FORMAT, os.path.realpath(python), python_version, target.slug, runtime is not None])
        self._files: dict[Owner, list[tuple[str, str]]] = defaultdict(list)
        self._tops: dict[str, set[Owner]] = defaultdict(set)
        self._owner_of: list[Callable[[str], str]] = [tree.owner_of]
        self._sha256 = tree.digests.sha256  # remembered by file identity: unchanged files are not read
        for f in tree.files():
            self._add((0, tree.owner_of(f.arcname)), f.arcname, f.path)
        if runtime is not None:
            runtime_owner = owner_lookup(runtime_dists)
            self._owner_of.append(runtime_owner)
            for folder, _, names in os.walk(runtime):
                for name in names:
                    path = os.path.join(folder, name)
                    rel = os.path.relpath(path, runtime).replace(os.sep, "/")
                    self._add((1, runtime_owner(rel)), rel, path)
        self._hashes: dict[Owner, str] = {}
        # No record anywhere (a new cache): no check can be reused, so none waits for a hash to look one up
        # (0.2 s of hashing beside the zip thread before the first interpreter started, medium set).
        self._none_kept = shared is None and not _any_record(self.store)
        # The layer's distributions are hashed in the background (hashlib lets go of the GIL), biggest
        # first, while the first imports start: a check waits only for the hashes its key needs.
        layer = sorted((o for o in self._files if o[0] == 0), key=lambda o: -len(self._files[o]))
        pool = ThreadPoolExecutor(max_workers=os.cpu_count() or 2, thread_name_prefix="layerbuild-hash")
        self._pending: dict[Owner, Future[str]] = {o: pool.submit(self._digest, o) for o in layer}
        pool.shutdown(wait=False)

    def _add(self, owner: Owner, rel: str, path: str) -> None:
        self._files[owner].append((rel, path))
        top = _top_name(rel)
        if top:
            self._tops[top].add(owner)

    def _digest(self, owner: Owner) -> str:
        h = hashlib.sha256()
        for rel, path in sorted(self._files.get(owner, ())):
            h.update(f"{rel}\0{_file_hash(self._sha256, path)}\0".encode())
        return h.hexdigest()

    def _hash(self, owner: Owner) -> str:
        if owner not in self._hashes:
            pending = self._pending.get(owner)
            self._hashes[owner] = pending.result() if pending is not None else self._digest(owner)
        return self._hashes[owner]

    def _whole(self) -> str:
        """Every distribution of the layer and the runtime folder, and every top-level name."""
        parts = sorted(f"{i}:{n}:{self._hash((i, n))}" for i, n in self._files)
        return hashlib.sha256(json.dumps([parts, sorted(self._tops)]).encode()).hexdigest()

    def _providers(self, top: str) -> list[str]:
        return sorted(f"{i}:{n}" for i, n in self._tops.get(top, ()))

    def _entry(self, module: str, dist: str) -> Path:
        key = hashlib.sha256(f"{self.salt}\0{module}\0{dist}\0{self._hash((0, dist))}".encode()).hexdigest()
        return self.store / key[:2] / f"{key}.json"

    def passed(self, module: str, dist: str) -> bool:
        """Whether a check of `module` (of `dist`) passed before on inputs equal to this tree's."""
        if self._none_kept:
            return False
        entry = self._entry(module, dist)
        if self.shared is not None and not entry.is_file():
            for body in self.shared.get_small("imports", [entry.name]).values():
                self._write(entry, body.decode())
        try:
            record: dict[str, Any] = json.loads(entry.read_text(encoding="utf-8"))
            closure = [((int(i), str(n)), str(h)) for i, n, h in record["closure"]]
            missing = {str(t): list(p) for t, p in record["missing"].items()}
            whole = record.get("whole")
        except (OSError, ValueError, KeyError, TypeError):
            return False
        if any(i >= len(self.roots) or self._hash((i, n)) != h for (i, n), h in closure):
            return False
        if any(self._providers(top) != providers for top, providers in missing.items()):
            return False
        return whole is None or whole == self._whole()

    def remember(self, module: str, dist: str, seen: dict[str, Any]) -> None:
        """Keep a passed check with what the import read (smoke.py's `seen`)."""
        owners: set[Owner] = {(0, dist)}
        for path in seen.get("files", ()):
            for i, root in enumerate(self.roots):
                if path.startswith(root + os.sep):
                    owners.add((i, self._owner_of[i](path[len(root) + 1 :])))
                    break
        record = {
            "closure": sorted([i, n, self._hash((i, n))] for i, n in owners),
            "missing": {top: self._providers(top) for top in seen.get("missing", ())},
            "whole": self._whole() if seen.get("listed") else None,
        }
        entry = self._entry(module, dist)
        self._write(entry, json.dumps(record))
        if self.shared is not None:
            self.shared.put_small("imports", {entry.name: json.dumps(record).encode()})

    def _write(self, entry: Path, text: str) -> None:
        from layerbuild.util.atomic import keep_cache_text

        keep_cache_text(entry, text)
