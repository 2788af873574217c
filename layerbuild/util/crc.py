"""CRC-32, as zip entries and the stream cache need it: libdeflate's where the `deflate` package is
installed (our compressor: zip/compressors.py), else zlib's; the same values.

libdeflate's is about 5 times zlib's here (33 MB, a medium layer's streams: 7 ms against 35 ms), and a
build takes the CRC of every file it reads and of every remembered stream it copies into the zip.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable

_crc32: Callable[[bytes, int], int] = zlib.crc32
try:
    from deflate import crc32 as _crc32
except ImportError:  # no wheel for this platform: zlib's
    pass


def crc32(data: bytes, value: int = 0) -> int:
    """The CRC-32 of `data`, continuing from `value` (as zlib.crc32)."""
    return _crc32(data, value)
