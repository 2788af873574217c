"""The CRC-32 zip entries and remembered streams carry is zlib's, whichever library computes it."""

from __future__ import annotations

import random
import zlib

from layerbuild.util import crc


def test_the_crc_is_zlibs_whole_chunked_and_empty():
    rng = random.Random(15)
    for size in (0, 1, 7, 4096, 65_537, 3 << 20):
        data = rng.randbytes(size)
        assert crc.crc32(data) == zlib.crc32(data)
        cut = size // 3
        assert crc.crc32(data[cut:], crc.crc32(data[:cut])) == zlib.crc32(data)  # continued, as digests.py reads


def test_libdeflates_is_used_where_it_is_installed():
    import importlib.util

    if importlib.util.find_spec("deflate") is not None:
        import deflate

        assert crc._crc32 is deflate.crc32
    else:
        assert crc._crc32 is zlib.crc32
