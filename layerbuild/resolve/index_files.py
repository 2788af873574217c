"""Which files a project has on the indexes the user configured: the versions whose wheels a target accepts.

uv can only be told a manylinux level it knows (`--python-platform …-manylinux_2_17`, `_2_28`, …), and
Amazon Linux 2's glibc 2.26 is none of them. The resolver therefore lets uv resolve at the next level up
(2_28) and checks uv's choice with `Target.accepts`; when uv chose a version none of whose wheels run on
the target, this module lists every version of that project (PEP 691 JSON, or PEP 503 HTML, or a
find-links folder/page) so that all versions without an accepted wheel can be excluded in one step,
instead of one version per resolution round.

Index settings are read where uv reads them: the requirements' `--index-url`/`--extra-index-url`/
`--find-links`/`--no-index`, then `UV_*`/`PIP_*` environment variables (uvtool maps the pip ones). The
CA bundle is `SSL_CERT_FILE` (uvtool sets it from `PIP_CERT`/`REQUESTS_CA_BUNDLE`), proxies come from
`HTTP(S)_PROXY` as urllib reads them, credentials from the URL's user info or `~/.netrc`. Nothing here
prints a URL without `redact_url`. A project this module cannot list is reported as unknown (None),
and the resolver falls back to excluding uv's choice alone.
"""

from __future__ import annotations

import gzip
import html.parser
import json
import os
import ssl
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

DEFAULT_INDEX = "https://pypi.org/simple"
_ACCEPT = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.1"
_TIMEOUT_S = 30


@dataclass(frozen=True)
class IndexSettings:
    """Where packages come from, in uv's order: indexes (the default one last), then find-links."""

    indexes: tuple[str, ...]
    find_links: tuple[str, ...]

    @classmethod
    def from_args(cls, index_args: Iterable[str], env: Mapping[str, str] | None = None) -> IndexSettings:
        env = os.environ if env is None else env
        args = list(index_args)
        default: str | None = None
        extra: list[str] = []
        links: list[str] = []
        no_index = False
        for name in ("UV_INDEX",):  # `name=url` or `url`, space separated
            extra += [v.split("=", 1)[1] if "=" in v.split("://")[0] else v for v in env.get(name, "").split()]
        for name in ("UV_EXTRA_INDEX_URL", "PIP_EXTRA_INDEX_URL"):
            if env.get(name):
                extra += env[name].split()
                break
        for name in ("UV_DEFAULT_INDEX", "UV_INDEX_URL", "PIP_INDEX_URL"):
            if env.get(name):
                default = env[name].strip()
                break
        for name in ("UV_FIND_LINKS", "PIP_FIND_LINKS"):
            if env.get(name):
                links += env[name].replace(",", " ").split()
                break
        if env.get("UV_NO_INDEX", "").lower() in ("1", "true", "yes") or env.get("PIP_NO_INDEX", "").lower() in (
            "1",
            "true",
            "yes",
        ):
            no_index = True
        i = 0
        while i < len(args):
            opt = args[i]
            value = args[i + 1] if i + 1 < len(args) else ""
            if opt == "--no-index":
                no_index = True
                i += 1
                continue
            if opt == "--index-url":
                default = value
            elif opt == "--extra-index-url":
                extra.append(value)
            elif opt == "--find-links":
                links.append(value)
            i += 2
        indexes = () if no_index else tuple(dict.fromkeys([*extra, default or DEFAULT_INDEX]))
        return cls(indexes=indexes, find_links=tuple(dict.fromkeys(links)))


class PageLinks(html.parser.HTMLParser):
    """The `href` of every link on a PEP 503 page, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def _filename_of(href: str) -> str:
    path = urllib.parse.urlsplit(href).path
    return urllib.parse.unquote(path.rsplit("/", 1)[-1])


def ssl_context() -> ssl.SSLContext:
    """TLS settings as uv and pip use them: the CA bundle the environment names, else the system's."""
    bundle = os.environ.get("SSL_CERT_FILE") or os.environ.get("PIP_CERT") or os.environ.get("REQUESTS_CA_BUNDLE")
    if bundle and Path(bundle).is_file():
        return ssl.create_default_context(cafile=bundle)
    return ssl.create_default_context()


def index_request(url: str) -> urllib.request.Request:
    """A GET with credentials moved from the URL's user info (or netrc) into an Authorization header."""
    import base64

    parts = urllib.parse.urlsplit(url)
    headers = {"Accept": _ACCEPT, "Accept-Encoding": "gzip", "User-Agent": "layerbuild"}
    user, password = parts.username, parts.password
    if user is None and parts.hostname:
        try:
            import netrc

            found = netrc.netrc().authenticators(parts.hostname)
        except (OSError, netrc.NetrcParseError):
            found = None
        if found:
            user, password = found[0], found[2]
    if user is not None:
        token = f"{urllib.parse.unquote(user)}:{urllib.parse.unquote(password or '')}"
        headers["Authorization"] = "Basic " + base64.b64encode(token.encode()).decode()
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    clean = urllib.parse.urlunsplit((parts.scheme, host, parts.path, parts.query, ""))
    return urllib.request.Request(clean, headers=headers)


def fetch_page(url: str, context: ssl.SSLContext) -> tuple[str, str, str]:
    """(final URL, content type, text) of a page."""
    with urllib.request.urlopen(index_request(url), timeout=_TIMEOUT_S, context=context) as resp:
        data = resp.read()
        if resp.headers.get("Content-Encoding") == "gzip":
            data = gzip.decompress(data)
        return resp.geturl(), resp.headers.get("Content-Type", ""), data.decode("utf-8", "replace")


def _files_from_page(ctype: str, text: str) -> list[tuple[str, str | None]]:
    """(file name, sha256 or None) of every file a PEP 691 JSON or PEP 503 HTML page lists."""
    if "json" in ctype:
        return [
            (f["filename"], (f.get("hashes") or {}).get("sha256"))
            for f in json.loads(text).get("files", ())
            if f.get("filename")
        ]
    parser = PageLinks()
    parser.feed(text)
    found = []
    for href in parser.hrefs:
        fragment = urllib.parse.urlsplit(href).fragment
        sha = fragment[7:] if fragment.startswith("sha256=") else None
        found.append((_filename_of(href), sha))
    return found


def _is_of(filename: str, project: str) -> bool:
    from layerbuild.facts.pep503 import canonicalize_name

    head = filename.split("-", 1)[0] if filename.endswith(".whl") else filename.rsplit("-", 1)[0]
    return canonicalize_name(head) == canonicalize_name(project)


def _sha256(path: Path) -> str:
    import hashlib

    with open(path, "rb") as f:
        return (
            hashlib.file_digest(f, "sha256").hexdigest()
            if hasattr(hashlib, "file_digest")
            else hashlib.sha256(f.read()).hexdigest()
        )


def _project_files(name: str, settings: IndexSettings, context: ssl.SSLContext) -> list[tuple[str, str | None]] | None:
    """Every file of project `name` on the configured indexes and find-links (None: cannot tell)."""
    names: list[tuple[str, str | None]] = []
    known = False
    for index in settings.indexes:
        url = index.rstrip("/") + "/" + name + "/"
        try:
            _, ctype, text = fetch_page(url, context)
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                known = True  # the project is not on this index
                continue
            return None
        except (OSError, ValueError):
            return None
        names += _files_from_page(ctype, text)
        known = True
    for link in settings.find_links:
        local = Path(link[7:] if link.startswith("file://") else link)
        if "://" not in link or link.startswith("file://"):
            if local.is_dir():
                names += [(p.name, _sha256(p)) for p in local.iterdir() if p.is_file() and _is_of(p.name, name)]
                known = True
            continue
        try:
            _, ctype, text = fetch_page(link, context)
        except (OSError, ValueError):
            return None
        names += _files_from_page(ctype, text)
        known = True
    return names if known else None


def accepted_by_version(
    name: str, files: Iterable[tuple[str, str | None]], accepts: Callable[[str], bool]
) -> tuple[set[str], dict[str, list[tuple[str, str | None]]]]:
    """(every version of `name` that has a file, {version: its wheels `accepts` takes})."""
    from packaging.version import InvalidVersion, Version

    from layerbuild.facts.pep503 import canonicalize_name

    wanted = canonicalize_name(name)
    seen: set[str] = set()
    good: dict[str, list[tuple[str, str | None]]] = {}
    normal: dict[str, str] = {}  # raw version text -> PEP 440 normal form

    def version_of(raw: str) -> str | None:
        if raw not in normal:
            try:
                normal[raw] = str(Version(raw))
            except InvalidVersion:
                normal[raw] = ""
        return normal[raw] or None

    for filename, sha in files:
        if filename.endswith(".whl"):
            parts = filename[:-4].split("-")
            if len(parts) not in (5, 6) or canonicalize_name(parts[0]) != wanted:
                continue
            version = version_of(parts[1])
            if version is None:
                continue
            seen.add(version)
            if accepts(filename):
                good.setdefault(version, []).append((filename, sha))
        else:
            for ext in (".tar.gz", ".zip", ".tar.bz2", ".tgz"):
                if filename.endswith(ext):
                    dist, _, raw = filename[: -len(ext)].rpartition("-")
                    if canonicalize_name(dist) == wanted and (version := version_of(raw)):
                        seen.add(version)
                    break
    return seen, good


def list_projects(names: Iterable[str], settings: IndexSettings) -> dict[str, list[tuple[str, str | None]] | None]:
    """(file name, sha256) per project, fetched in parallel; None for a project that could not be listed."""
    names = sorted(set(names))
    if not names:
        return {}
    context = ssl_context()
    with ThreadPoolExecutor(max_workers=min(8, len(names))) as pool:
        found = list(pool.map(lambda n: _project_files(n, settings, context), names))
    return dict(zip(names, found))
