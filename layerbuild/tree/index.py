"""One index of a staging tree: its files, its distributions and who owns what, kept up to date.

A build walks its staging tree once, right after the install, and reads each `*.dist-info`'s METADATA,
RECORD and WHEEL once (`TreeIndex.of`). Every later stage asks the index (files outside the dist-info
folders, sources, owners, distributions) and tells it what it changes: `remove` deletes files and
records each `Removal`, `shrunk` records files rewritten smaller (strip), `add` registers new files
(.pyc), `update_records` rewrites RECORDs from the rows held since the one read. The zip is written
from `files()`. `removals` is every removal of the build so far, in order: the import check matches
failures against it and the build record stores it.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

from layerbuild.model.removals import Removal, Removals
from layerbuild.tree.digests import FileDigests, stat_identity
from layerbuild.tree.distributions import (
    Distribution,
    decode_text,
    owner_lookup,
    parse_dist_info,
    read_tree_bytes,
    record_files,
    top_level_from_files,
)
from layerbuild.tree.records import parse_rows, rewrite_rows, write_record
from layerbuild.tree.remove import move_files, remove_files, set_aside, whole_folders
from layerbuild.tree.walk import TreeFile, walk


def _remembering_reader(root: Path, raw: dict[str, bytes | None]) -> Callable[[str], str | None]:
    """A `read_text` for parse_dist_info that keeps the bytes it read in `raw` (RECORD's rows come from there)."""

    def read_text(rel: str) -> str | None:
        data = raw[rel] = read_tree_bytes(root, rel)
        return None if data is None else decode_text(data)

    return read_text


def in_dist_info(arcname: str) -> bool:
    """A file inside a top-level `*.dist-info` folder (never slimmed or compiled)."""
    first, sep, _ = arcname.partition("/")
    return bool(sep) and first.endswith(".dist-info")


class TreeIndex:
    def __init__(
        self,
        root: Path,
        files: Iterable[TreeFile],
        left_out: Iterable[str],
        dists: Iterable[Distribution],
        rows: dict[str, list[list[str]] | None],
        digests: FileDigests | None = None,
    ) -> None:
        self.root = root
        # content digests by file identity (tree/digests.py): RECORD rows, .pyc keys, checks, zip streams
        self.digests = digests if digests is not None else FileDigests()
        self._files = {f.arcname: f for f in files}
        self.left_out = tuple(left_out)  # links leading out of the tree: never packaged
        self._dists = {d.dist_info: d for d in dists}
        self._rows = rows  # dist-info folder -> its RECORD rows (None: no RECORD we may rewrite)
        self._owner_of: Callable[[str], str] | None = None
        self.removals: list[Removal] = []
        self.removed_distributions: list[Distribution] = []  # as they were when removed
        # where `remove_groups` may set whole folders aside (a build's: its work folder's parent, on the
        # tree's file system); None: every file is deleted in place
        self.trash: Path | None = None

    @classmethod
    def of(cls, root: Path, digests: FileDigests | None = None) -> TreeIndex:
        """Walk `root` and read its distributions: the one walk and the one read of a build. `digests`:
        remembered across builds (a build's, under the cache folder), else for this index only."""
        found = walk(root)
        dists: list[Distribution] = []
        rows: dict[str, list[list[str]] | None] = {}
        for name in (n for n in found.top_names if n.endswith(".dist-info")):
            raw: dict[str, bytes | None] = {}
            dist = parse_dist_info(name, _remembering_reader(root, raw))
            if dist is None:
                continue
            dists.append(dist)
            record = raw.get(f"{name}/RECORD")
            try:  # a RECORD that is not UTF-8 is not ours to rewrite
                rows[name] = None if record is None else parse_rows(decode_text(record, "strict"))
            except UnicodeDecodeError:
                rows[name] = None
        return cls(root, found.files, found.links_out, dists, rows, digests)

    # --- what the tree holds -------------------------------------------------------------------

    def files(self) -> list[TreeFile]:
        """Every file the layer will hold, sorted by path: what the zip writes."""
        return [self._files[name] for name in sorted(self._files)]

    def paths(self, *, dist_info: bool = True) -> list[str]:
        """Sorted paths relative to the tree; `dist_info=False` leaves out `*.dist-info` folders."""
        return sorted(p for p in self._files if dist_info or not in_dist_info(p))

    def sources(self) -> list[str]:
        """The `.py` files outside `*.dist-info`, sorted."""
        return [p for p in self.paths(dist_info=False) if p.endswith(".py")]

    def __contains__(self, path: str) -> bool:
        return path in self._files

    def unzipped_bytes(self) -> int:
        """What the tree unzips to: the zip holds exactly these files."""
        return sum(os.stat(f.path).st_size for f in self._files.values())

    @property
    def distributions(self) -> list[Distribution]:
        """The distributions, by dist-info folder name, as their RECORDs are now."""
        return [self._dists[name] for name in sorted(self._dists)]

    def owner_of(self, path: str) -> str:
        """The distribution owning `path` (tree/distributions.owner_lookup)."""
        if self._owner_of is None:
            self._owner_of = owner_lookup(self.distributions)
        return self._owner_of(path)

    # --- what stages change --------------------------------------------------------------------

    def remove(self, paths: Iterable[str], rule: str, distribution: str) -> list[Removal]:
        """Delete `paths` and record each removal (tree/remove.remove_files)."""
        done = remove_files(self.root, paths, rule, distribution)
        self.deleted(done)
        return done

    def remove_groups(self, groups: Iterable[tuple[list[str], str, str]]) -> list[Removal]:
        """`remove` for each (paths, rule, distribution), the removals in that order. With `trash`, a
        folder whose every file goes (a package's tests) is moved aside by one rename and deleted beside
        the stages that follow (tree/remove.set_aside), not file by file."""
        groups = list(groups)
        aside: dict[str, int] = {}
        if self.trash is not None:
            removing = {p for paths, _, _ in groups for p in paths}
            # a link, or a file whose size the walk did not give, keeps its folders (it is lstat'ed)
            sizes = {
                p: f.size for p in removing if (f := self._files.get(p)) is not None and f.size >= 0 and not f.link
            }
            folders = whole_folders(set(sizes), (*self._files, *self.left_out))
            aside = set_aside(self.root, folders, sizes, self.trash)
        done: list[Removal] = []
        for paths, rule, distribution in groups:
            done += remove_files(self.root, paths, rule, distribution, aside)
        self.deleted(done)
        return done

    def deleted(self, removals: Iterable[Removal]) -> None:
        """Record files a stage deleted itself (bytecode's foreign .pyc and replaced sources)."""
        for r in removals:
            self._files.pop(r.path, None)
            self.removals.append(r)

    def shrunk(self, removals: Iterable[Removal]) -> None:
        """Record files rewritten smaller in place (by rename): `bytes` is what each one saved."""
        self.removals += removals

    def add(self, paths: Iterable[str]) -> None:
        """Register files a stage wrote (.pyc); paths that are not regular files are ignored."""
        base = os.path.join(self.root, "")
        for rel in paths:
            if rel in self._files:
                continue
            path = base + rel
            try:
                st = os.stat(path)
            except OSError:
                continue
            if stat.S_ISREG(st.st_mode):
                walked = stat_identity(st)
                self._files[rel] = TreeFile(rel, path, st.st_mode, os.path.islink(path), st.st_size, walked)

    def _whole_tops(self, files: list[str]) -> frozenset[str]:
        """The top-level folders whose every file (in the index: the one walk, kept in step) is in `files`;
        a RECORD may list files that are gone, and a folder of none is not moved (tree/remove.whole_folders)."""
        whole = whole_folders(set(files), (*self._files, *self.left_out))
        return frozenset(
            t for t in whole if "/" not in t and (self.root / t).is_dir() and not (self.root / t).is_symlink()
        )

    def remove_distributions(self, dists: Iterable[Distribution], rule: str, move_to: Path | None = None) -> Removals:
        """Remove whole distributions: their RECORD files and everything in their dist-info folder.
        `move_to`: move the files there instead of deleting them (same file system: tree/remove.move_files)."""
        removals: list[Removal] = []
        for dist in dists:
            files = [f for f in dist.files if not f.startswith("../")]
            listed = set(files)
            inside = [p for p in (*self._files, *self.left_out) if p.startswith(f"{dist.dist_info}/")]
            files += sorted(p for p in inside if p not in listed)
            if move_to is None:
                removals += self.remove(files, rule, dist.name)
            else:
                done = move_files(self.root, files, rule, dist.name, move_to, self._whole_tops(files))
                self.deleted(done)
                removals += done
            self.removed_distributions.append(dist)
            self._dists.pop(dist.dist_info, None)
            self._rows.pop(dist.dist_info, None)
        self._owner_of = None
        return Removals(tuple(removals))

    def update_records(
        self,
        *,
        removed: Iterable[tuple[str, str]] = (),
        changed: Iterable[tuple[str, str]] = (),
        added: Iterable[tuple[str, str]] = (),
    ) -> None:
        """Apply (distribution name, path) changes to the distributions' RECORDs.

        Changes for names without a distribution (unowned files) are ignored: there is no RECORD to keep."""
        plan: dict[str, tuple[set[str], set[str], list[str]]] = {}

        def entry(name: str) -> tuple[set[str], set[str], list[str]]:
            return plan.setdefault(name, (set(), set(), []))

        for name, path in removed:
            entry(name)[0].add(path)
        for name, path in changed:
            entry(name)[1].add(path)
        for name, path in added:
            entry(name)[2].append(path)
        by_name = {d.name: d for d in self._dists.values()}
        for name, (remove, refresh, add) in sorted(plan.items()):
            dist = by_name.get(name)
            if dist is not None:
                self._rewrite(dist, remove, refresh, add)

    def drop_missing_rows(self) -> None:
        """Remove RECORD rows of files an earlier step deleted without saying so (an installer's `bin/`
        scripts), so `importlib.metadata.files()` and inventories only list what the layer holds."""
        root = os.path.join(str(self.root), "")
        for dist in self.distributions:
            gone = {
                f
                for f in dist.files
                if not f.startswith("../") and f != f"{dist.dist_info}/RECORD" and not os.path.exists(root + f)
            }
            for f in gone:
                self._files.pop(f, None)
            if gone:
                self._rewrite(dist, gone, set(), [])

    def _rewrite(self, dist: Distribution, remove: set[str], refresh: set[str], add: list[str]) -> None:
        rows = self._rows.get(dist.dist_info)
        if rows is None:
            return  # no RECORD (or not ours to parse): nothing to keep in step
        rows = rewrite_rows(self.root, rows, remove, refresh, add, self.digests.sha256)
        record = f"{dist.dist_info}/RECORD"
        write_record(self.root / record, rows)
        self._rows[dist.dist_info] = rows
        files = record_files(rows)
        self._dists[dist.dist_info] = replace(dist, files=tuple(files), top_level=tuple(top_level_from_files(files)))
        self._owner_of = None
        if record in self._files:  # a new file (renamed into place): refresh what the index knows
            del self._files[record]
            self.add([record])
