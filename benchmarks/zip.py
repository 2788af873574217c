"""Benchmark: deflate libraries and levels on a real layer's files, and the zip writer with and without
remembered streams (zip/compressors.py chose its default from the first table).

Usage: python benchmarks/zip.py LAYER.zip [--runs 3] [--levels 6,7,8,9] [--max]
  LAYER.zip: any layer, e.g. the default medium build:
    layerbuild build reqs.txt --runtime python3.12   (requests, pydantic, numpy, pandas)
One thread, each file compressed alone (as the writer does), sizes summed (a file deflate cannot shrink
counts as stored); medians of --runs. Then write_layer_zip on every core: no stream cache, a cold cache
(streams written), a warm cache (streams copied).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("layer")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--levels", default="6,7,8,9")
    parser.add_argument("--max", action="store_true", help="also libdeflate 12 (slow)")
    args = parser.parse_args()
    import deflate
    from zlib_ng import zlib_ng as zng

    from layerbuild.zip.streams import StreamCache
    from layerbuild.zip.writer import STATS, write_layer_zip

    with tempfile.TemporaryDirectory(prefix="lb-zip-bench-") as tmp:
        root = Path(tmp) / "tree"
        with zipfile.ZipFile(args.layer) as zf:
            zf.extractall(root)
        datas = [p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()]
        print(
            f"# {args.layer}: {len(datas):,} files, {sum(map(len, datas)) / 1e6:.1f} MB; one thread, median of {args.runs}"
        )

        def zlib_ng(level: int):
            def packed(data: bytes) -> bytes:
                c = zng.compressobj(level, zng.DEFLATED, -15)
                return c.compress(data) + c.flush()

            return packed

        contenders = [("zlib-ng 6", zlib_ng(6))]
        levels = [int(v) for v in args.levels.split(",")] + ([12] if args.max else [])
        contenders += [(f"libdeflate {lv}", lambda d, lv=lv: deflate.deflate_compress(d, lv)) for lv in levels]
        print("| compressor | zipped data | time |\n|---|---|---|")
        for name, fn in contenders:
            times, size = [], 0
            for _ in range(1 if name.endswith(" 12") else args.runs):
                start = time.perf_counter()
                size = sum(min(len(fn(d)), len(d)) for d in datas)
                times.append(time.perf_counter() - start)
            print(f"| {name} | {size / 1e6:.2f} MB | {statistics.median(times):.2f} s |")

        print("\n| write_layer_zip (every core, default level) | time | compressed | copied |\n|---|---|---|---|")
        cache = Path(tmp) / "streams"
        for label, streams in (("no stream cache", None), ("cold stream cache", cache), ("warm stream cache", cache)):
            before = STATS.compressed, STATS.reused
            start = time.perf_counter()
            write_layer_zip(root, Path(tmp) / "out.zip", streams=StreamCache(streams) if streams else None)
            took = time.perf_counter() - start
            print(f"| {label} | {took:.2f} s | {STATS.compressed - before[0]} | {STATS.reused - before[1]} |")


if __name__ == "__main__":
    main()
