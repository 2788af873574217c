"""Benchmark: a second CI runner building from the shared cache (`--cache-url s3://…`) against a cold build.

A real moto server on 127.0.0.1 stands in for S3 (loopback: no network latency, so a real bucket adds
transfer time; the figures show the work saved, not S3's speed). Each "runner" is a `layerbuild build`
process with its own empty layerbuild cache folder (LAYERBUILD_CACHE_DIR); uv's download cache stays
warm for all (one untimed round first), as a CI cache of uv's folder would.

  cold, no shared cache        runner 0: an empty local cache, no --cache-url
  cold, filling the cache      runner 1: an empty local cache, --cache-url (builds and uploads)
  second runner                runner 2: an empty local cache, --cache-url: the layer comes from S3
  second runner, new key       runner 3: as runner 2 with another build key for the same files
                               (--max-unzipped): builds, but takes the .pyc and import checks from S3

Usage: python benchmarks/shared_cache.py [--runs 3] [--runtime python3.12] [--set requests,pydantic,numpy,pandas]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BUCKET = "layerbuild-bench-cache"


def _build(reqs: Path, out: Path, cache: Path, env: dict[str, str], *args: str) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "layerbuild.cli", "build", str(reqs), "-o", str(out), "--name", "bench", *args],
        env={**env, "LAYERBUILD_CACHE_DIR": str(cache)},
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"build failed: {proc.stderr}")
    return elapsed, proc.stderr


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--runtime", default="python3.12")
    parser.add_argument("--set", default="requests,pydantic,numpy,pandas")
    args = parser.parse_args()

    import boto3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    env = {
        **os.environ,
        "AWS_ENDPOINT_URL": f"http://{host}:{port}",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench-not-a-secret",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
    os.environ.update(env)
    s3 = boto3.client("s3")
    rows: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="lb-bench-shared-") as tmp:
        root = Path(tmp)
        reqs = root / "requirements.txt"
        reqs.write_text("\n".join(args.set.split(",")) + "\n")
        target = ("--runtime", args.runtime)
        _build(reqs, root / "warm", root / "warm-cache", env, *target)  # uv's download cache, untimed
        for run in range(args.runs):
            s3.create_bucket(Bucket=f"{BUCKET}-{run}")
            url = ("--cache-url", f"s3://{BUCKET}-{run}/ci")
            r = root / f"run{run}"
            steps = {
                "cold, no shared cache": (),
                "cold, filling the cache": url,
                "second runner": url,
                "second runner, new key": (*url, "--max-unzipped", "200MB"),
            }
            for i, (name, extra) in enumerate(steps.items()):
                seconds, stderr = _build(reqs, r / f"out{i}", r / f"cache{i}", env, *target, *extra)
                expect = "cached:" if name == "second runner" else "built:"
                assert expect in stderr, f"{name}: {stderr}"
                rows.setdefault(name, []).append(seconds)
    server.stop()
    cold = statistics.median(rows["cold, no shared cache"])
    print(f"{args.set} on {args.runtime}, median of {args.runs} (ratio: cold / row)")
    for name, times in rows.items():
        median = statistics.median(times)
        print(f"  {name:<28} {median:7.2f} s   {cold / median:5.1f}x")


if __name__ == "__main__":
    main()
