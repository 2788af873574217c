"""Where the sdist of a locked pin is, found where uv finds it: the pin's own path or URL, the find-links
folders and pages, then the indexes (resolve/index_files.IndexSettings: the requirements' options and the
UV_*/PIP_* variables); downloaded with the index's credentials and checked against the lock's sha256.
"""

from __future__ import annotations

import hashlib
import json
import re
import ssl
import urllib.parse
import urllib.request
from pathlib import Path

from packaging.utils import InvalidSdistFilename, canonicalize_name, parse_sdist_filename

from layerbuild.model.lock import Lock, Pin
from layerbuild.resolve import index_files

_SDIST_SUFFIXES = (".tar.gz", ".zip", ".tar.bz2", ".tar.xz", ".tgz", ".tar")


def _is_sdist_of(filename: str, pin: Pin) -> bool:
    if not filename.endswith(_SDIST_SUFFIXES):
        return False
    try:
        name, version = parse_sdist_filename(
            filename
            if filename.endswith((".tar.gz", ".zip"))
            else re.sub(r"\.(tar\.bz2|tar\.xz|tgz|tar)$", ".tar.gz", filename)
        )
    except (InvalidSdistFilename, ValueError):
        return False
    return canonicalize_name(name) == pin.name and (pin.version is None or str(version) == pin.version)


def sha_matches(path: Path, pin: Pin) -> bool:
    """The file is the one the lock pinned (any file, for a pin without hashes)."""
    wanted = {h.split(":", 1)[1] for h in pin.hashes if h.startswith("sha256:")}
    if not wanted:
        return True
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest() in wanted


def local_path(value: str) -> Path | None:
    """The existing local file or folder a path or `file://` URL names, or None for remote URLs."""
    if value.startswith("file://"):
        value = urllib.parse.unquote(urllib.parse.urlsplit(value).path)
    elif "://" in value:
        return None
    path = Path(value).expanduser()
    return path if path.exists() else None


def sdist_locations(pin: Pin, lock: Lock, context: ssl.SSLContext) -> list[str]:
    """URLs (or local paths) of the pin's sdist, in the order uv looks: own source, find-links, indexes."""
    if pin.source:
        return [pin.source]
    settings = index_files.IndexSettings.from_args(lock.index_args)
    found: list[str] = []
    for link in settings.find_links:
        local = local_path(link)
        if local is not None:
            if local.is_dir():
                found += [str(p) for p in sorted(local.iterdir()) if _is_sdist_of(p.name, pin)]
            continue
        if "://" in link:
            found += [u for u in _page_urls(link, context) if _is_sdist_of(_filename(u), pin)]
    if found:
        return found
    for index in settings.indexes:
        page = index.rstrip("/") + "/" + pin.name + "/"
        found += [u for u in _page_urls(page, context) if _is_sdist_of(_filename(u), pin)]
        if found:
            break
    return found


def _filename(url: str) -> str:
    return urllib.parse.unquote(urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1])


def _page_urls(page: str, context: ssl.SSLContext) -> list[str]:
    """Absolute URLs of the files a PEP 691/503 page lists (credentials of the page kept for its host)."""
    try:
        final, ctype, text = index_files.fetch_page(page, context)
    except Exception:  # noqa: BLE001 - unreachable, refused, 404: no sign from here
        return []
    if "json" in ctype:
        try:
            hrefs = [f["url"] for f in json.loads(text).get("files", ()) if f.get("url")]
        except (ValueError, AttributeError, KeyError):
            return []
    else:
        parser = index_files.PageLinks()
        parser.feed(text)
        hrefs = parser.hrefs
    base = urllib.parse.urlsplit(page)
    urls = []
    for href in hrefs:
        url = urllib.parse.urljoin(final, href)
        parts = urllib.parse.urlsplit(url)
        if base.username and parts.hostname == base.hostname and not parts.username:
            url = urllib.parse.urlunsplit(
                (
                    parts.scheme,
                    f"{base.netloc.rsplit('@', 1)[0]}@{parts.netloc}",
                    parts.path,
                    parts.query,
                    parts.fragment,
                )
            )
        urls.append(url)
    return urls


def download(url: str, dest: Path, context: ssl.SSLContext, max_bytes: int = 1 << 30) -> Path | None:
    """The file at `url` saved in `dest` (credentials sent as a header), or None when it cannot be had."""
    request = index_files.index_request(url.split("#", 1)[0])
    for header in ("Accept", "Accept-encoding"):  # the file as it is: its sha256 is checked
        request.headers.pop(header, None)
    target = dest / _filename(url)
    try:
        with urllib.request.urlopen(request, timeout=60, context=context) as resp, open(target, "wb") as out:
            total = 0
            for block in iter(lambda: resp.read(1 << 20), b""):
                total += len(block)
                if total > max_bytes:
                    return None
                out.write(block)
    except Exception:  # noqa: BLE001 - no sign from here; the compiler-blocked build decides
        return None
    return target
