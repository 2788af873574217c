"""Write the layer zip deterministically: the same tree gives the same bytes, wherever and whenever.

Entries are sorted, carry a fixed date (SOURCE_DATE_EPOCH when set, else 1980-01-01) and fixed modes
(0644, or 0755 where any execute bit was set), and live under `python/`, where Lambda's Python looks.
The zip is written to a temporary file beside the destination and renamed into place, so a killed
build never leaves a partial zip. The compressed bytes depend on the deflate library, so its name and
version (`COMPRESSOR`) are part of the build cache key.
"""

from __future__ import annotations

import os
import stat
import time
import zipfile
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from layerbuild.errors import InputError
from layerbuild.tree.walk import TreeFile, tree_files

LAYER_PREFIX = "python/"
_MIN_DATE = (1980, 1, 1, 0, 0, 0)
_COMPRESSLEVEL = 6

try:
    # zlib-ng writes standard deflate about 2.4x faster than zlib at the same level, within 2 % of
    # its size (measured on numpy+pandas+pydantic+requests: 1.4 s vs 3.4 s, 33.6 MB vs 33.0 MB).
    from zlib_ng import zlib_ng as _deflate

    COMPRESSOR = f"zlib-ng {_deflate.ZLIBNG_VERSION} level {_COMPRESSLEVEL}"
except ImportError:  # pragma: no cover - zlib-ng is a dependency; stay usable without it
    import zlib as _deflate  # type: ignore[no-redef]

    COMPRESSOR = f"zlib {_deflate.ZLIB_RUNTIME_VERSION} level {_COMPRESSLEVEL}"


def zip_date() -> tuple[int, int, int, int, int, int]:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if not epoch:
        return _MIN_DATE
    try:
        value = int(epoch)
    except ValueError:
        raise InputError(f"SOURCE_DATE_EPOCH={epoch!r} is not a whole number of seconds") from None
    t = time.gmtime(max(value, 315532800))  # zip cannot store dates before 1980
    # Zip stores local times with 2-second precision; round down so every build agrees.
    return (t.tm_year, t.tm_mon, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec - t.tm_sec % 2)


def _compress(path: str) -> tuple[bytes, bytes, int, int, int]:
    """(data, deflate stream, crc, size, st_mode) of one file; the mode is read as the file is."""
    with open(path, "rb") as f:
        data = f.read()
        mode = os.fstat(f.fileno()).st_mode
    compressor = _deflate.compressobj(_COMPRESSLEVEL, _deflate.DEFLATED, -15)
    return data, compressor.compress(data) + compressor.flush(), _deflate.crc32(data), len(data), mode


def write_layer_zip(
    root: Path, dest: Path, prefix: str = LAYER_PREFIX, *, files: Sequence[TreeFile] | None = None
) -> Path:
    """Zip every file under `root` into `dest` with `prefix`; returns `dest`.

    `files`: the tree's files, sorted, when they are known (a build's `TreeIndex.files()`); else `root`
    is walked."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    date = zip_date()
    if files is None:
        files = tree_files(root)
    try:
        with (
            zipfile.ZipFile(tmp, "w", allowZip64=True) as zf,
            ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool,
        ):
            # zlib releases the GIL: compress files on every core, write them in sorted order.
            for file, (data, packed, crc, size, mode) in zip(files, _bounded_map(pool, files)):
                info = zipfile.ZipInfo(prefix + file.arcname, date_time=date)
                info.external_attr = ((0o755 if mode & 0o111 else 0o644) | stat.S_IFREG) << 16
                info.create_system = 3  # unix, so the modes above are read
                if len(packed) < size:
                    _write_precompressed(zf, info, packed, crc, size)
                else:
                    info.compress_type = zipfile.ZIP_STORED
                    zf.writestr(info, data)
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return dest


def _bounded_map(
    pool: ThreadPoolExecutor, files: Sequence[TreeFile], window: int = 64
) -> Iterator[tuple[bytes, bytes, int, int, int]]:
    """pool.map over the files with at most `window` results held in memory."""
    pending: deque[Future[tuple[bytes, bytes, int, int, int]]] = deque()
    for file in files:
        pending.append(pool.submit(_compress, file.path))
        if len(pending) >= window:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def _write_precompressed(zf: zipfile.ZipFile, info: zipfile.ZipInfo, packed: bytes, crc: int, size: int) -> None:
    """Write an entry whose deflate stream is already made (zipfile would compress it again, on one core)."""
    info.compress_type = zipfile.ZIP_DEFLATED
    info.file_size = size
    info.compress_size = len(packed)
    info.CRC = crc
    info.flag_bits = 0
    zip64 = size > zipfile.ZIP64_LIMIT or len(packed) > zipfile.ZIP64_LIMIT
    fp = zf.fp
    assert fp is not None  # open for writing
    info.header_offset = fp.tell()
    zf._writecheck(info)  # type: ignore[attr-defined]  # zipfile's own checks (name, sizes, zip64)
    zf._didModify = True  # type: ignore[attr-defined]
    fp.write(info.FileHeader(zip64))
    fp.write(packed)
    zf.start_dir = fp.tell()
    zf.filelist.append(info)
    zf.NameToInfo[info.filename] = info


def sha256_file(path: Path) -> str:
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
