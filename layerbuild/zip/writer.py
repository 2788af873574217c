"""Write the layer zip deterministically: the same tree gives the same bytes, wherever and whenever.

Entries are sorted, carry a fixed date (SOURCE_DATE_EPOCH when set, else 1980-01-01) and fixed modes
(0644, or 0755 where any execute bit was set), and live under `python/`, where Lambda's Python looks.
The zip is written to a temporary file beside the destination and renamed into place, so a killed
build never leaves a partial zip. Files are compressed on every core (zip/compressors.py: libdeflate
releases the GIL) and written in sorted order from their precomputed deflate streams; with a
`StreamCache` (zip/streams.py) a file whose content was compressed before is copied, not compressed
again. `STATS` counts both, for the build's progress line and the tests.
"""

from __future__ import annotations

import hashlib
import os
import stat
import threading
import zipfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from layerbuild.tree.digests import FileDigests
from layerbuild.tree.walk import TreeFile, tree_files
from layerbuild.util.crc import crc32
from layerbuild.zip import earlier as earlier_zips
from layerbuild.zip.compressors import Compressor, compressor_for
from layerbuild.zip.dates import zip_date
from layerbuild.zip.streams import StreamCache

LAYER_PREFIX = "python/"
COMPRESSOR = compressor_for("default").name  # what a zip written with the defaults depends on


@dataclass
class ZipStats:
    """Files compressed and files copied from remembered streams or earlier zips, by every write in this process."""

    compressed: int = 0
    reused: int = 0
    copied: int = 0  # of those reused, copied with their header from an earlier zip (zip/earlier.py)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    def count(self, compressed: bool, copied: bool = False) -> None:
        with self._lock:
            if compressed:
                self.compressed += 1
            else:
                self.reused += 1
                self.copied += copied


STATS = ZipStats()


AHEAD_WAIT = 0.1  # seconds the writer waits for a stream compress-ahead (nice 19) is making; then it makes it


def _read(path: str, digests: FileDigests | None) -> tuple[bytes, os.stat_result, bytes, int]:
    """(data, its fstat, sha256, crc32) of one file; the digest remembered by identity when `digests`
    (the CRC is of the bytes read, so a stream is looked up for what the file holds now)."""
    with open(path, "rb") as f:
        data = f.read()
        st = os.fstat(f.fileno())
    digest = digests.sha256(path, st, data) if digests is not None else hashlib.sha256(data).digest()
    return data, st, digest, crc32(data)


def _identified(path: str, compressor: Compressor, digests: FileDigests) -> Identified | None:
    """(stream key, sha256, crc, size, st_mode) of a file whose identity `digests` remember (tree/digests.py):
    what it holds is known without opening it. None when it must be read."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    facts = digests.known(st)
    if facts is None:
        return None
    return StreamCache.key(facts[0], facts[1], compressor.name), facts[0], facts[1], st.st_size, st.st_mode


Identified = tuple[str, bytes, int, int, int]


def _remembered(path: str, compressor: Compressor, streams: StreamCache, digests: FileDigests) -> Identified | None:
    """`_identified`, for a file whose stream is remembered too: it is copied into the zip without being
    opened; None when it must be read."""
    found = _identified(path, compressor, digests)
    return found if found is not None and streams.knows(found[0]) else None


def _compress(
    path: str, compressor: Compressor, streams: StreamCache | None, digests: FileDigests | None = None
) -> tuple[bytes, bytes, int, int, int, bytes | None]:
    """(data, deflate stream, crc, size, st_mode, sha256 or None) of one file; the mode is read as the file is."""
    if streams is None:
        with open(path, "rb") as f:
            data = f.read()
            mode = os.fstat(f.fileno()).st_mode
        STATS.count(compressed=True)
        return data, compressor.deflate(data), crc32(data), len(data), mode, None
    data, st, digest, crc = _read(path, digests)
    mode = st.st_mode
    key = StreamCache.key(digest, crc, compressor.name)
    # compress-ahead may be on it now: wait a little, not for a niced thread the writer's own starve
    packed = streams.wait_for(key, AHEAD_WAIT)
    STATS.count(compressed=packed is None)
    if packed is None:
        packed = compressor.deflate(data)
        streams.put(key, packed, remember=False)
    return data, packed, crc, len(data), mode, digest


def precompress(
    paths: Sequence[str],
    streams: StreamCache,
    compression: str = "default",
    *,
    stop: Callable[[], bool] = lambda: False,
    digests: FileDigests | None = None,
) -> int:
    """Compress `paths` into `streams` ahead of the zip (one thread; build/overlap.py) until `stop()`;
    files already there are skipped. Returns how many were compressed."""
    compressor = compressor_for(compression)
    compressed = 0
    for path in paths:
        if stop():
            break
        if digests is not None and _remembered(path, compressor, streams, digests) is not None:
            continue  # unchanged since a build that compressed it
        try:
            data, _, digest, crc = _read(path, digests)
        except OSError:
            continue  # removed since: the writer decides what the zip holds
        key = StreamCache.key(digest, crc, compressor.name)
        if not streams.claim(key):
            continue  # known, or being compressed by another thread
        try:
            streams.put(key, compressor.deflate(data))
        finally:
            streams.release(key)  # a writer waiting for this stream (wait_for) goes on
        STATS.count(compressed=True)
        compressed += 1
    return compressed


def identify(files: Sequence[TreeFile], compression: str, digests: FileDigests) -> dict[int, Identified]:
    """`_identified` of each of `files` (by index) that `digests` know. One os.stat a file: a build makes
    this in its main thread before the checks start beside the zip, where each stat, letting go of the
    GIL, waited for it to come back (0.13 s for 2,283 files against 0.02 s here)."""
    compressor = compressor_for(compression)
    found = {}
    for i, file in enumerate(files):
        if (facts := _identified(file.path, compressor, digests)) is not None:
            found[i] = facts
    return found


def write_layer_zip(
    root: Path,
    dest: Path,
    prefix: str = LAYER_PREFIX,
    *,
    files: Sequence[TreeFile] | None = None,
    compression: str = "default",
    streams: StreamCache | None = None,
    cancelled: threading.Event | None = None,
    digests: FileDigests | None = None,
    keep: list[zipfile.ZipFile] | None = None,
    earlier: Sequence[Path] = (),
    record: bool = False,
    identified: dict[int, Identified] | None = None,
) -> Path:
    """Zip every file under `root` into `dest` with `prefix`; returns `dest`.

    `files`: the tree's files, sorted, when they are known (a build's `TreeIndex.files()`); else `root`
    is walked. `streams`: compressed streams remembered by content (read and filled). `cancelled`: set
    by another thread to stop the write (it raises `WriteCancelled` and leaves nothing). `digests`: the
    tree's (tree/digests.py), so an unchanged file's stream is found without hashing it. `keep`: gets
    the ZipFile once it is closed (its entries, for measure/inventory.inventory_of_written). `earlier`:
    zips written before with `record` (most recent first); with `digests`, the entries the best of them
    shares with this zip are copied from it in runs (zip/earlier.py). `record`: keep `<dest>.entries`.
    `identified`: `identify(files, compression, digests)`, when the caller made it (see there)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    date = zip_date()
    compressor = compressor_for(compression)
    if files is None:
        files = tree_files(root)
    source: earlier_zips.EarlierZip | None = None
    written: list[earlier_zips.Written] = []
    try:
        if identified is None:
            identified = identify(files, compression, digests) if digests is not None else {}
        copies: dict[int, earlier_zips.Entry] = {}
        if earlier and identified:
            wanted = {prefix + files[i].arcname: (f[1], f[2], f[3]) for i, f in identified.items()}
            source = earlier_zips.best_of(earlier, compressor.name, date, wanted)
        if source is not None:
            for i, f in identified.items():
                if (entry := source.find(prefix + files[i].arcname, f[1], f[2], f[3])) is not None:
                    copies[i] = entry
        known = {i: f for i, f in identified.items() if i not in copies and streams is not None and streams.knows(f[0])}
        # A big write buffer: each write or tell that reaches the file lets go of the GIL, and the
        # compressing threads then keep it for up to a switch interval (5 ms) before the writer goes on.
        with (
            open(tmp, "w+b", buffering=WRITE_BUFFER) as out,
            zipfile.ZipFile(out, "w", allowZip64=True) as zf,
            ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool,
        ):
            rest = [f for i, f in enumerate(files) if i not in known and i not in copies]
            entries = _bounded_map(pool, rest, compressor, streams, digests)
            run: list[int] = []  # the slice of the earlier zip copied next: [start, end)
            for i, file in enumerate(files):
                if cancelled is not None and cancelled.is_set():
                    raise WriteCancelled(str(dest))
                if (entry := copies.get(i)) is not None:
                    assert source is not None
                    if run and run[1] == entry.header_offset:
                        run[1] = entry.end
                    else:
                        _copy(zf, source, run)
                        run = [entry.header_offset, entry.end]
                    info = _info(prefix + file.arcname, date, identified[i][4])
                    _add_copied(zf, info, entry)
                    STATS.count(compressed=False, copied=True)
                    if record:
                        written.append(earlier_zips.Written(entry.sha256, info, entry.header_length))
                    continue
                _copy(zf, source, run)
                run = []
                if i in known:
                    assert streams is not None
                    key, sha, crc, size, mode = known[i]
                    packed = streams.get(key)
                    if packed is not None and len(packed) < size:
                        STATS.count(compressed=False)
                        info = _info(prefix + file.arcname, date, mode)
                        length = _write_precompressed(zf, info, packed, crc, size)
                        if record:
                            written.append(earlier_zips.Written(sha, info, length))
                        continue
                    data, packed, crc, size, mode, digest = _compress(file.path, compressor, streams, digests)
                else:
                    data, packed, crc, size, mode, digest = next(entries)
                info = _info(prefix + file.arcname, date, mode)
                if len(packed) < size:
                    length = _write_precompressed(zf, info, packed, crc, size)
                else:
                    length = _write_precompressed(zf, info, data, crc, size, zipfile.ZIP_STORED)
                if record:
                    written.append(earlier_zips.Written(digest or hashlib.sha256(data).digest(), info, length))
            _copy(zf, source, run)
        st = os.stat(tmp)
        os.replace(tmp, dest)
        if record:
            earlier_zips.save(dest, st, compressor.name, date, written)
        if keep is not None:
            keep.append(zf)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        if source is not None:
            source.close()
        if streams is not None:
            streams.flush()  # what was compressed is kept, also when the write failed
    return dest


def _copy(zf: zipfile.ZipFile, source: earlier_zips.EarlierZip | None, run: list[int]) -> None:
    """Write the slice `run` of the earlier zip (entries `_add_copied` has placed) where the zip is now."""
    if run and source is not None:
        assert zf.fp is not None
        zf.fp.write(source.mapped[run[0] : run[1]])


def _add_copied(zf: zipfile.ZipFile, info: zipfile.ZipInfo, entry: earlier_zips.Entry) -> None:
    """Place an entry copied from an earlier zip (its bytes follow, by `_copy`) in the central directory."""
    _describe(info, entry.method, entry.crc, entry.file_size, entry.compress_size)
    _place(zf, info, entry.header_length + entry.compress_size)


def _describe(info: zipfile.ZipInfo, method: int, crc: int, size: int, compress_size: int) -> None:
    info.compress_type = method
    info.file_size = size
    info.compress_size = compress_size
    info.CRC = crc
    info.flag_bits = 0


def _place(zf: zipfile.ZipFile, info: zipfile.ZipInfo, length: int) -> None:
    """Record `info` as the entry of the `length` bytes (header and stream) that start where the last
    entry ended (zipfile keeps that: no tell())."""
    info.header_offset = zf.start_dir
    zf._didModify = True  # type: ignore[attr-defined]
    zf.start_dir = info.header_offset + length
    zf.filelist.append(info)
    zf.NameToInfo[info.filename] = info


def _info(name: str, date: tuple[int, int, int, int, int, int], mode: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=date)
    info.external_attr = ((0o755 if mode & 0o111 else 0o644) | stat.S_IFREG) << 16
    info.create_system = 3  # unix, so the modes above are read
    return info


class WriteCancelled(Exception):
    """The zip write was stopped from another thread (a stage running beside it failed)."""


WRITE_BUFFER = 8 << 20  # bytes the zip is written in
BIG_FILE = 2 << 20  # bytes: a file this big is compressed first (numpy's OpenBLAS alone is 23 MB)
IN_FLIGHT = 96 << 20  # bytes of files being compressed or waiting for their turn in the zip


def _bounded_map(
    pool: ThreadPoolExecutor,
    files: Sequence[TreeFile],
    compressor: Compressor,
    streams: StreamCache | None,
    digests: FileDigests | None = None,
    budget: int = IN_FLIGHT,
) -> Iterator[tuple[bytes, bytes, int, int, int, bytes | None]]:
    """Each file's `_compress` result, in `files` order, computed on the pool.

    The biggest files (those over BIG_FILE, up to half the budget) are submitted first and the rest in
    order, with at most `budget` bytes submitted and not yet written (one file more when that is the
    one the zip needs next). Started last, one big file would keep a core busy after the others are
    done; held back by a count, it stops the pool: 1.56 s against 1.33 s here for 115 MB in 3,430 files."""
    sizes = []
    for file in files:
        try:
            sizes.append(os.stat(file.path).st_size)
        except OSError:
            sizes.append(0)  # _compress reports it
    big: list[int] = []
    held = 0
    for i in sorted((i for i, n in enumerate(sizes) if n >= BIG_FILE), key=lambda i: (-sizes[i], i)):
        if held + sizes[i] <= budget // 2:
            big.append(i)
            held += sizes[i]
    early = set(big)
    order = big + [i for i in range(len(files)) if i not in early]
    pending: dict[int, Future[tuple[bytes, bytes, int, int, int, bytes | None]]] = {}
    held, submitted = 0, 0
    try:
        for i in range(len(files)):
            while submitted < len(order) and (held < budget or i not in pending):
                j = order[submitted]
                pending[j] = pool.submit(_compress, files[j].path, compressor, streams, digests)
                held += sizes[j]
                submitted += 1
            yield pending.pop(i).result()
            held -= sizes[i]
    finally:
        for future in pending.values():
            future.cancel()


def _write_precompressed(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, packed: bytes, crc: int, size: int, method: int = zipfile.ZIP_DEFLATED
) -> int:
    """Write an entry whose deflate stream is already made (zipfile would compress it again, on one core),
    or (`method` ZIP_STORED) the file's bytes, with the header `writestr` leaves (it writes one, then
    seeks back to write it again with the CRC and sizes: a seek and a flush an entry); returns the
    header's length."""
    _describe(info, method, crc, size, len(packed))
    if method == zipfile.ZIP_STORED:
        zip64 = size * 1.05 > zipfile.ZIP64_LIMIT  # writestr's guess, made before it knows the sizes
    else:
        zip64 = size > zipfile.ZIP64_LIMIT or len(packed) > zipfile.ZIP64_LIMIT
    fp = zf.fp
    assert fp is not None  # open for writing
    zf._writecheck(info)  # type: ignore[attr-defined]  # zipfile's own checks (name, sizes, zip64)
    header = info.FileHeader(zip64)
    fp.write(header)
    fp.write(packed)
    _place(zf, info, len(header) + len(packed))
    return len(header)
