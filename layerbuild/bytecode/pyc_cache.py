"""Remember compiled .pyc per source file, so a rebuild after a lock change compiles only new sources.

A .pyc is a function of the source bytes (their sha256: tree/digests.py remembers it by file identity,
so an unchanged source is not read again), its path under /opt/python (compiled into co_filename),
the layout (beside the source or sourceless) and the compiling interpreter: that is the key. Entries
are written by rename (complete or absent) and linked into the tree (nothing writes into a tree file
after this stage), with a copy where linking is not possible. Only the local compiler's output is
kept; the build container's is not.

With a shared store (`--cache-url`, aws/shared_cache.py) entries missing here are asked of the store
and what this build compiled is sent to it, grouped by top-level package (pyc_shared.py).
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from layerbuild.tree.digests import sha256_of

if TYPE_CHECKING:
    from layerbuild.aws.shared_cache import SharedStore

_FORMAT = b"layerbuild-pyc-2"


class PycCache:
    def __init__(
        self,
        root: Path,
        interpreter: str,
        version: str,
        sourceless: bool,
        shared: SharedStore | None = None,
        sha256: Callable[[str], bytes] | None = None,
    ) -> None:
        self.root = root
        self._sha256 = sha256 or sha256_of
        self._entries: dict[str, Path | None] = {}  # source path -> entry: made by `fill`, used by `store`
        self.shared = shared
        self._groups: dict[str, dict[str, Path]] = {}  # what `fill` saw, for `store` (pyc_shared.py)
        self.salt = b"\0".join(
            [_FORMAT, os.path.realpath(interpreter).encode(), version.encode(), b"only" if sourceless else b"alongside"]
        )

    def _entry(self, tree: Path, src: str) -> Path | None:
        path = os.path.join(tree, src)
        if path in self._entries:
            return self._entries[path]
        try:
            digest = self._sha256(path)
        except OSError:
            return None
        key = hashlib.sha256(self.salt + b"\0" + src.encode() + b"\0" + digest).hexdigest()
        entry = self._entries[path] = self.root / key[:2] / key
        return entry

    def fill(self, tree: Path, sources: list[str], pyc_of: Callable[[str], str]) -> list[str]:
        """Put every cached .pyc in place; returns the sources still to compile."""
        self.look_up(tree, sources)
        return self.link(tree, sources, pyc_of)

    def look_up(self, tree: Path, sources: list[str]) -> list[str]:
        """Key `sources` as they are now (`link` and `store`, after the compile, ask for the same ones),
        fetch the entries missing here from the shared store; returns the sources with no entry, which
        can be compiling while `link` puts the others in place (compile.py)."""
        self._entries = {}
        entries = {src: self._entry(tree, src) for src in sources}
        if self.shared is not None:
            from layerbuild.bytecode import pyc_shared

            self._groups = pyc_shared.groups_of(entries)
            pyc_shared.fetch(self.shared, self._groups)
        return [src for src, entry in entries.items() if entry is None or not os.path.exists(entry)]

    def link(self, tree: Path, sources: list[str], pyc_of: Callable[[str], str]) -> list[str]:
        """Link the cached .pyc of `sources` (keyed by `look_up`) into `tree`; returns those that have
        none (not cached, or gone since: another build cleaned the cache)."""
        missing = []
        made: set[str] = set()  # folders made (or found) for the .pyc: one mkdir each, not one a file
        for src in sources:
            entry = self._entry(tree, src)
            if entry is None:
                missing.append(src)
                continue
            dest = os.path.join(tree, pyc_of(src))
            folder = os.path.dirname(dest)
            if folder not in made:
                os.makedirs(folder, exist_ok=True)
                made.add(folder)
            try:
                os.link(entry, dest)  # the entry's existence is asked by the link itself
            except FileNotFoundError:
                missing.append(src)  # not cached
            except OSError:  # another file system, or a .pyc already there: never written into, replaced
                tmp = f"{dest}.{os.getpid()}.tmp"
                try:
                    try:
                        os.link(entry, tmp)
                    except OSError:
                        shutil.copyfile(entry, tmp)
                    os.replace(tmp, dest)
                except OSError:  # gone since it was seen (another build cleaned the cache): compile it
                    Path(tmp).unlink(missing_ok=True)
                    missing.append(src)
        return missing

    def store(self, tree: Path, sources: list[str], pyc_of: Callable[[str], str]) -> None:
        """Remember the .pyc just compiled for `sources` (those that compiled)."""
        if self.shared is not None:
            from layerbuild.bytecode import pyc_shared

            pyc_shared.send(self.shared, tree, self._groups, sources, pyc_of)
        made: set[str] = set()
        base = os.path.join(tree, "")
        for src in sources:
            entry = self._entry(tree, src)
            if entry is None:
                continue
            pyc, where = base + pyc_of(src), str(entry)
            folder = os.path.dirname(where)
            try:
                if folder not in made:
                    os.makedirs(folder, exist_ok=True)
                    made.add(folder)
                # A link is complete or absent, as a rename is: nothing writes into a tree file after this
                # stage (see above). One system call a .pyc: a source that did not compile has none.
                os.link(pyc, where)
            except FileExistsError:
                continue  # cached already (the same bytes: same key)
            except FileNotFoundError:
                continue  # no .pyc (a syntax error), or the cache folder went away meanwhile
            except OSError:
                tmp = f"{folder}/.{entry.name}.{os.getpid()}.tmp"
                try:
                    shutil.copyfile(pyc, tmp)  # another file system: a copy, by rename
                    os.replace(tmp, where)
                except OSError:
                    Path(tmp).unlink(missing_ok=True)
                    return  # a full or read-only cache only costs compiling next time
