"""Content-addressed build cache: an unchanged rebuild copies the stored layer instead of rebuilding.

Key = hash of the lock (pins and hashes), the target, the build options and the layerbuild version.
An entry is a folder `builds/<key>/` holding `layer.zip` and `entry.json` (its `model.BuildRecord`). It
is written in a private temporary folder and renamed into place in one step, so readers only ever see
complete entries; a killed build leaves at most a stale temporary folder, which is swept later.
A read re-checks the zip's sha256 and drops an entry that does not match or whose record is unreadable
(another schema); the check is skipped while the zip's device, inode, size and mtime are those it had
when its sha256 last matched (`checked`, beside it).

With a shared store (`--cache-url s3://…`, aws/shared_cache.py) a local miss asks the store: the zip
blob (checked against the record's sha256) and its record become a local entry, and the build says
`cached` as for a local hit; a committed entry is uploaded to the store (the zip first, its manifest
last, so a manifest never names a missing zip).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from layerbuild import __version__
from layerbuild.model.build_record import BuildRecord
from layerbuild.util.cachedir import cache_root, pid_alive

if TYPE_CHECKING:
    from layerbuild.aws.shared_cache import SharedStore

_STALE_TMP_SECONDS = 6 * 3600
_EXPORTS_KEPT = 16  # destinations an entry remembers having been copied to (export)
_CHECKED = "checked"  # the stat of layer.zip when its sha256 was last checked (see file_stamp)
# builds/recent: the keys of the entries committed last, newest first; a new build's zip copies the entries
# it shares with theirs (zip/earlier.py), so a rebuild after a change finds its previous zip among them
_RECENT = "recent"
_RECENT_KEPT = 6


def file_stamp(path: Path) -> str | None:
    """Device, inode, size and mtime (ns) of `path`: a file written in place gets a new mtime, one
    replaced by rename a new inode, so a file whose stamp is unchanged has the bytes it had then.
    None when it cannot be read."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return f"{st.st_dev}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}"


def _stamp_matches(stamp_file: Path, path: Path, sha256: str) -> bool:
    try:
        return stamp_file.read_text() == f"{file_stamp(path)} {sha256}"
    except OSError:
        return False


def _write_stamp(stamp_file: Path, path: Path, sha256: str) -> None:
    """Remember that `path`, as it is now, hashed to `sha256` (an unchanged rebuild then skips hashing
    the 30 MB zip again); written by rename, and a cache that cannot take it only costs the hash."""
    from layerbuild.util.atomic import keep_cache_text

    stamp = file_stamp(path)
    if stamp is not None and not _stamp_matches(stamp_file, path, sha256):
        keep_cache_text(stamp_file, f"{stamp} {sha256}")


def cache_key(parts: dict[str, Any]) -> str:
    payload = json.dumps({"layerbuild": __version__, **parts}, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


@dataclass(frozen=True)
class CacheEntry:
    key: str
    zip_path: Path
    record: BuildRecord


class BuildCache:
    def __init__(self, root: Path | None = None, shared: SharedStore | None = None) -> None:
        self.root = root or cache_root()
        self.shared = shared

    def _entry_dir(self, key: str) -> Path:
        return self.root / "builds" / key[:2] / key

    def get(self, key: str) -> CacheEntry | None:
        found = self._get_local(key)
        if found is None and self.shared is not None:
            found = self._get_shared(key, self.shared)
        return found

    def _get_shared(self, key: str, shared: SharedStore) -> CacheEntry | None:
        text = shared.get_manifest("builds", key)
        if text is None:
            return None
        try:
            record = BuildRecord.from_json(json.loads(text)["record"])
        except (ValueError, KeyError, TypeError):
            return None  # another layout or schema: build and overwrite it
        staged = self.staging()
        try:
            if not shared.get_blob(record.sha256, staged / "layer.zip"):
                return None
            return self.commit(key, staged, record, upload=False)
        finally:
            shutil.rmtree(staged, ignore_errors=True)

    def _get_local(self, key: str) -> CacheEntry | None:
        entry = self._entry_dir(key)
        meta_path, zip_path = entry / "entry.json", entry / "layer.zip"
        try:
            text = meta_path.read_text()
        except OSError:
            return None
        from layerbuild.util.filehash import sha256_file

        try:
            record = BuildRecord.from_json(text)
            ok = zip_path.is_file() and (
                _stamp_matches(entry / _CHECKED, zip_path, record.sha256) or sha256_file(zip_path) == record.sha256
            )
        except (OSError, ValueError):
            ok = False
        if not ok:
            shutil.rmtree(entry, ignore_errors=True)  # corrupt, tampered or of another schema: rebuild
            return None
        _write_stamp(entry / _CHECKED, zip_path, record.sha256)
        return CacheEntry(key, zip_path, record)

    def export(self, entry: CacheEntry, dest: Path) -> None:
        """Copy the entry's zip to `dest` (by rename, util/atomic.py), unless `dest` is still the copy an
        earlier export of this entry wrote there: same device, inode, size and mtime (`exported`, beside
        the zip, remembers the last few destinations). An unchanged rebuild then writes nothing."""
        import json

        from layerbuild.util.atomic import keep_cache_text, write_atomic

        where = str(dest.resolve())
        book = entry.zip_path.parent / "exported"
        try:
            known = json.loads(book.read_text())
            known = known if isinstance(known, dict) else {}
        except (OSError, ValueError):
            known = {}
        stamp = file_stamp(dest)
        if stamp is not None and known.get(where) == stamp:
            return
        write_atomic(dest, lambda tmp: shutil.copyfile(entry.zip_path, tmp))
        known.pop(where, None)
        known[where] = file_stamp(dest)
        keep_cache_text(book, json.dumps(dict(list(known.items())[-_EXPORTS_KEPT:])))  # else: a copy next time

    def recent_zips(self) -> tuple[Path, ...]:
        """The zips of the entries committed last, newest first (some may be gone since)."""
        try:
            keys = (self.root / "builds" / _RECENT).read_text().split()
        except OSError:
            return ()
        valid = [k for k in keys if len(k) == 64 and all(c in "0123456789abcdef" for c in k)]
        return tuple(self._entry_dir(k) / "layer.zip" for k in valid)

    def _remember_recent(self, key: str) -> None:
        from layerbuild.util.atomic import keep_cache_text

        keys = [key] + [p.parent.name for p in self.recent_zips() if p.parent.name != key]
        keep_cache_text(self.root / "builds" / _RECENT, "\n".join(keys[:_RECENT_KEPT]) + "\n")

    def staging(self) -> Path:
        """A private folder for building an entry; pass it to `commit`."""
        tmp = self.root / "tmp"
        tmp.mkdir(parents=True, exist_ok=True)
        self._sweep(tmp)
        return Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=tmp))

    def commit(self, key: str, staged: Path, record: BuildRecord, *, upload: bool = True) -> CacheEntry:
        """Publish `staged/layer.zip` with `record` as the entry for `key`, atomically (and to the shared store)."""
        (staged / "entry.json").write_text(record.to_json())
        final = self._entry_dir(key)
        final.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.rename(staged, final)
        except OSError:
            # Another build of the same key won the race: its entry is as good as ours.
            shutil.rmtree(staged, ignore_errors=True)
            if self._get_local(key) is None:
                shutil.rmtree(final, ignore_errors=True)
                raise
        _write_stamp(final / _CHECKED, final / "layer.zip", record.sha256)  # the sha256 of what was just written
        self._remember_recent(key)
        if upload and self.shared is not None and self.shared.put_blob(final / "layer.zip", record.sha256):
            self.shared.put_manifest("builds", key, json.dumps({"record": record.to_json()}))
        return CacheEntry(key, final / "layer.zip", record)

    def _sweep(self, tmp: Path) -> None:
        now = time.time()
        for child in tmp.iterdir():
            try:
                pid = int(child.name.split("-", 1)[0])
            except ValueError:
                pid = -1
            alive = pid > 0 and pid_alive(pid)
            try:
                old = now - child.stat().st_mtime > _STALE_TMP_SECONDS
            except OSError:
                continue
            if not alive or old:
                shutil.rmtree(child, ignore_errors=True)
