"""The deflate compressor a layer zip is written with: the library and level for `--compression`.

libdeflate (the `deflate` package, >= 0.9 releases the GIL, so files compress on every core) writes
standard raw deflate faster and smaller than zlib-ng. Measured one thread on the default medium layer
(requests, pydantic, numpy, pandas for python3.12 x86_64: 100.6 MB, 2,274 files; docs/benchmarks.md):

    zlib-ng 6      33.34 MB  1.90 s        libdeflate 7   32.39 MB  2.09 s
    libdeflate 5   32.82 MB  1.56 s        libdeflate 8   32.29 MB  3.33 s
    libdeflate 6   32.56 MB  1.64 s        libdeflate 9   32.26 MB  3.99 s
                                           libdeflate 12  31.45 MB 23.90 s

Level 6 is the default (7 costs 27 % more time for 0.5 % fewer bytes); `--compression max` is level 12,
for release builds. Where `deflate` has no wheel, zlib-ng (levels 6 and 9), else the standard library's
zlib. The compressed bytes depend on the library, its version and the level: `Compressor.name` holds all
three and is part of the build cache key and of every cached stream's key (zip/streams.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

COMPRESSION_CHOICES = ("default", "max")


@dataclass(frozen=True)
class Compressor:
    library: str  # "libdeflate (deflate 0.9.0)"
    level: int
    deflate: Callable[[bytes], bytes]  # data -> raw deflate stream (no zlib header)

    @property
    def name(self) -> str:
        return f"{self.library} level {self.level}"


@cache
def compressor_for(compression: str = "default") -> Compressor:
    """The compressor of `--compression default|max` on this machine."""
    if compression not in COMPRESSION_CHOICES:
        raise ValueError(f"compression {compression!r} is not one of {', '.join(COMPRESSION_CHOICES)}")
    best = compression == "max"
    try:
        import deflate

        level = 12 if best else 6
        return Compressor(
            f"libdeflate (deflate {deflate.__version__})",
            level,
            lambda data: bytes(deflate.deflate_compress(data, level)),
        )
    except ImportError:  # pragma: no cover - deflate is a dependency; a platform without its wheel
        pass
    level = 9 if best else 6
    try:
        from zlib_ng import zlib_ng as zng

        library = f"zlib-ng {zng.ZLIBNG_VERSION}"
    except ImportError:  # pragma: no cover
        import zlib as zng  # type: ignore[no-redef]

        library = f"zlib {zng.ZLIB_RUNTIME_VERSION}"

    def packed(data: bytes) -> bytes:
        compressor = zng.compressobj(level, zng.DEFLATED, -15)
        return compressor.compress(data) + compressor.flush()

    return Compressor(library, level, packed)
