"""The shared cache's store: content-addressed objects under `s3://BUCKET/PREFIX`, for CI runners.

This module knows S3, not builds: it keeps blobs named by their sha256, small objects named by a
key the caller computes (a hash of everything that decides the value), and JSON manifests.
Layout under the prefix (`v1/`: the layout's version):
  v1/blobs/ab/<sha256>       a layer zip, its name is the sha256 of its bytes
  v1/builds/<key>.json       a build's manifest (its record, naming the zip blob), written after the blob
  v1/pyc/<key>               one compiled .pyc; its sha256 in the object's metadata
Why two writers never leave a broken entry: an S3 PUT (and a multipart upload's completion) is atomic
per object, so a reader sees no object or a complete one, never a partial one. A blob's name is its
content's hash, so two writers of one name write the same bytes. A manifest is written only after the
blob it names exists, so a manifest never points at nothing; two manifests for one key are both
complete (the last PUT wins). Readers still check every sha256, and treat a mismatch as a miss.
Keys are hashes and fixed words only: no secret, path or index URL is ever part of one.

Any failure (no such bucket, access denied, no endpoint, no credentials) turns the store off for the
rest of the process with one line on stderr: the build goes on with the local cache.
boto3 is imported inside the functions: the CLI starts without it.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from layerbuild.errors import InputError

_LAYOUT = "v1"
_THREADS = 16
_stores: dict[str, SharedStore] = {}
_stores_lock = threading.Lock()


def shared_store_for(url: str | None) -> SharedStore | None:
    """The one store of `url` in this process (so it says it is off only once), None when not asked for."""
    if not url:
        return None
    with _stores_lock:
        if url not in _stores:
            _stores[url] = SharedStore(url)
        return _stores[url]


def parse_cache_url(url: str) -> tuple[str, str]:
    """`s3://bucket/some/prefix` -> ("bucket", "some/prefix"); anything else is refused in one line."""
    import re

    rest = url[len("s3://") :] if url.startswith("s3://") else None
    bucket, _, prefix = (rest or "").partition("/")
    # S3's bucket naming rules: 3-63 lowercase letters, digits, dots and hyphens.
    if rest is None or not re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", bucket) or "@" in url:
        from layerbuild.util.redact import redact_url

        raise InputError(
            f"--cache-url {redact_url(url)!r} is not an S3 location: use s3://BUCKET/PREFIX (no credentials in it)"
        )
    return bucket, prefix.strip("/")


class SharedStore:
    def __init__(self, url: str) -> None:
        self.url = url
        self.bucket, prefix = parse_cache_url(url)
        self.prefix = f"{prefix}/{_LAYOUT}" if prefix else _LAYOUT
        self._lock = threading.Lock()
        self._client: Any = None
        self._off = False
        self._damaged: set[str] = set()  # blobs whose bytes did not hash to their name: written again

    # -- connection and the one line that says it is off --------------------------------------------------

    def _s3(self) -> Any | None:
        with self._lock:
            if self._off:
                return None
            if self._client is not None:
                return self._client
            try:
                import boto3
                from botocore.config import Config

                # Few attempts and short timeouts: a missing cache must cost a build seconds, not minutes.
                config = Config(
                    retries={"mode": "standard", "total_max_attempts": 2},
                    connect_timeout=3,
                    read_timeout=60,
                    max_pool_connections=_THREADS,
                    user_agent_extra="layerbuild",
                )
                client = boto3.session.Session().client("s3", config=config)
                client.head_bucket(Bucket=self.bucket)  # no bucket, no access, no endpoint: found once, here
            except Exception as exc:  # noqa: BLE001 - any failure only means: build without the shared cache
                self._turn_off(exc, locked=True)
                return None
            self._client = client
            return client

    def _turn_off(self, exc: BaseException, locked: bool = False) -> None:
        if not locked:
            with self._lock:
                return self._turn_off(exc, locked=True)
        if self._off:
            return
        self._off = True
        from layerbuild.util.progress import warn
        from layerbuild.util.redact import redact

        warn(redact(f"shared cache {self.url} is not usable ({_reason(exc)}): building with the local cache only"))

    @property
    def off(self) -> bool:
        return self._off

    def _call(self, what: Any, *args: Any, **kwargs: Any) -> Any:
        """`what(client, …)`; None when the store is off or the call failed (which turns it off)."""
        client = self._s3()
        if client is None:
            return None
        try:
            return what(client, *args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - see _s3
            if _is_missing(exc):
                return None
            self._turn_off(exc)
            return None

    # -- blobs (named by their sha256) ------------------------------------------------------------------------

    def _blob_key(self, sha256: str) -> str:
        return f"{self.prefix}/blobs/{sha256[:2]}/{sha256}"

    def get_blob(self, sha256: str, dest: Path) -> bool:
        """Download the blob `sha256` to `dest` (written by rename, checked): False when absent or wrong."""
        tmp = dest.with_name(f".{dest.name}.{os.getpid()}.part")

        def fetch(client: Any) -> bool:
            client.download_file(self.bucket, self._blob_key(sha256), str(tmp))
            return True

        try:
            if not self._call(fetch):
                return False
            from layerbuild.util.filehash import sha256_file

            if sha256_file(tmp) != sha256:
                self._damaged.add(sha256)
                return False
            os.replace(tmp, dest)
            return True
        finally:
            tmp.unlink(missing_ok=True)

    def put_blob(self, path: Path, sha256: str) -> bool:
        """Upload `path` as the blob `sha256` unless it is there already; True when it is there now."""
        key = self._blob_key(sha256)

        def put(client: Any) -> bool:
            if sha256 in self._damaged or not _exists(client, self.bucket, key):
                client.upload_file(str(path), self.bucket, key)  # one PUT, or a multipart completed atomically
            return True

        return bool(self._call(put))

    # -- manifests ------------------------------------------------------------------------------------------

    def get_manifest(self, kind: str, key: str) -> str | None:
        def get(client: Any) -> str:
            body: bytes = client.get_object(Bucket=self.bucket, Key=f"{self.prefix}/{kind}/{key}.json")["Body"].read()
            return body.decode()

        text = self._call(get)
        return text if isinstance(text, str) else None

    def put_manifest(self, kind: str, key: str, text: str) -> bool:
        """Write the manifest; call it only after every blob it names is stored."""

        def put(client: Any) -> bool:
            client.put_object(
                Bucket=self.bucket,
                Key=f"{self.prefix}/{kind}/{key}.json",
                Body=text.encode(),
                ContentType="application/json",
            )
            return True

        return bool(self._call(put))

    # -- many small values (compiled .pyc), in parallel ------------------------------------------------------

    def get_small(self, kind: str, keys: Iterable[str]) -> dict[str, bytes]:
        """The values found for `keys` (each checked against the sha256 stored with it)."""
        if self._s3() is None:
            return {}

        def get(client: Any, key: str) -> bytes | None:
            got = client.get_object(Bucket=self.bucket, Key=f"{self.prefix}/{kind}/{key}")
            body: bytes = got["Body"].read()
            return body if got.get("Metadata", {}).get("sha256") == hashlib.sha256(body).hexdigest() else None

        keys = list(keys)
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(_THREADS) as pool:
            values = list(pool.map(lambda k: self._call(get, k), keys))
        return {k: v for k, v in zip(keys, values) if isinstance(v, bytes)}

    def put_small(self, kind: str, values: dict[str, bytes]) -> None:
        if not values or self._s3() is None:
            return

        def put(client: Any, key: str, body: bytes) -> None:
            client.put_object(
                Bucket=self.bucket,
                Key=f"{self.prefix}/{kind}/{key}",
                Body=body,
                Metadata={"sha256": hashlib.sha256(body).hexdigest()},
            )

        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(_THREADS) as pool:
            list(pool.map(lambda item: self._call(put, *item), values.items()))


def _exists(client: Any, bucket: str, key: str) -> bool:
    try:
        client.head_object(Bucket=bucket, Key=key)
        return True
    except Exception as exc:  # noqa: BLE001 - a 404 is an answer; anything else is raised to _call
        if _is_missing(exc):
            return False
        raise


def _is_missing(exc: BaseException) -> bool:
    """An object that is not there (a cache miss), as opposed to a bucket we cannot use."""
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return False
    code = str(response.get("Error", {}).get("Code", ""))
    return code in ("404", "NoSuchKey", "NotFound")


def _reason(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        error = response.get("Error", {})
        code = str(error.get("Code", ""))
        status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in ("404", "NoSuchBucket", "NotFound"):
            return "no such bucket"
        if code in ("403", "AccessDenied", "Forbidden"):
            return "access denied"
        return f"{code or 'error'} (HTTP {status})"
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
