"""What is in a layer or function package: per distribution bytes, files and native libraries.

Works on any zip or folder, not only ones layerbuild built (it never imports build.py). Files are
owned through each `*.dist-info/RECORD`; files no RECORD lists fall back to the distribution that owns
their top-level folder, else they are reported as unowned.
"""

from __future__ import annotations

import os
import stat
import zipfile
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .distributions import Distribution, parse_dist_info
from .errors import InputError

UNOWNED = "(unowned)"
# Where Lambda's Python finds packages inside /opt (layers) or /var/task (function zips).
SITE_PREFIXES = ("python/lib/python3.*/site-packages/", "python/", "")


@dataclass(frozen=True)
class FileEntry:
    path: str  # archive path (posix), as in the zip or relative to the folder
    unzipped_bytes: int
    zipped_bytes: int
    is_symlink: bool = False


@dataclass(frozen=True)
class DistSize:
    name: str
    version: str | None
    unzipped_bytes: int
    zipped_bytes: int
    files: int
    native_libs: tuple[str, ...] = ()
    top_level: tuple[str, ...] = ()
    largest_files: tuple[tuple[str, int], ...] = ()
    site: str = ""  # the site folder it lives in, e.g. "python/"


@dataclass(frozen=True)
class Inventory:
    root: str
    distributions: tuple[DistSize, ...]
    files: tuple[FileEntry, ...] = field(repr=False)
    unzipped_bytes: int = 0
    zipped_bytes: int = 0
    file_count: int = 0

    @property
    def totals(self) -> dict[str, int]:
        return {"unzipped_bytes": self.unzipped_bytes, "zipped_bytes": self.zipped_bytes, "files": self.file_count}

    def get(self, name: str) -> DistSize | None:
        from .resolve import normalize

        return next((d for d in self.distributions if d.name == normalize(name)), None)


def _is_native(path: str) -> bool:
    name = PurePosixPath(path).name
    return name.endswith((".so", ".pyd", ".dylib")) or ".so." in name


def _site_of(path: str, sites: list[str]) -> str | None:
    for site in sites:
        if path.startswith(site):
            return site
    return None


def _find_sites(paths: list[str]) -> list[str]:
    """Folders that hold `*.dist-info`: the site-packages roots of this package, longest first."""
    sites = set()
    for p in paths:
        parts = PurePosixPath(p).parts
        for i, part in enumerate(parts[:-1]):
            if part.endswith(".dist-info"):
                sites.add("".join(x + "/" for x in parts[:i]))
                break
    if not sites:
        sites.add("python/" if any(p.startswith("python/") for p in paths) else "")
    return sorted(sites, key=len, reverse=True)


def _build(root: str, entries: list[FileEntry], read_text) -> Inventory:
    paths = [e.path for e in entries]
    sites = _find_sites(paths)
    dists: list[tuple[str, Distribution]] = []
    seen_infos = set()
    for p in paths:
        site = _site_of(p, sites)
        if site is None:
            continue
        rel = p[len(site):]
        first = rel.split("/", 1)[0]
        if first.endswith(".dist-info") and (site, first) not in seen_infos:
            seen_infos.add((site, first))
            dist = parse_dist_info(first, lambda r, s=site: read_text(s + r))
            if dist:
                dists.append((site, dist))
    owner: dict[str, str] = {}
    top_owner: dict[tuple[str, str], str] = {}
    versions: dict[str, str] = {}
    tops: dict[str, tuple[str, ...]] = {}
    site_of_dist: dict[str, str] = {}
    for site, dist in dists:
        versions[dist.name] = dist.version
        tops[dist.name] = dist.top_level
        site_of_dist[dist.name] = site
        for f in (*dist.files, f"{dist.dist_info}/RECORD"):
            owner[site + f] = dist.name
            top_owner.setdefault((site, f.split("/", 1)[0]), dist.name)
    grouped: dict[str, list[FileEntry]] = defaultdict(list)
    for e in entries:
        name = owner.get(e.path)
        if name is None:
            site = _site_of(e.path, sites)
            if site is not None:
                first = e.path[len(site):].split("/", 1)[0]
                if first.endswith(".dist-info"):
                    name = next((d.name for s, d in dists if s == site and d.dist_info == first), None)
                name = name or top_owner.get((site, first))
        grouped[name or UNOWNED].append(e)
    sizes = []
    for name, files in grouped.items():
        largest = sorted(((f.path, f.unzipped_bytes) for f in files), key=lambda x: (-x[1], x[0]))[:10]
        sizes.append(DistSize(
            name=name,
            version=versions.get(name),
            unzipped_bytes=sum(f.unzipped_bytes for f in files),
            zipped_bytes=sum(f.zipped_bytes for f in files),
            files=len(files),
            native_libs=tuple(sorted(f.path for f in files if _is_native(f.path))),
            top_level=tops.get(name, ()),
            largest_files=tuple(largest),
            site=site_of_dist.get(name, ""),
        ))
    sizes.sort(key=lambda d: (-d.unzipped_bytes, d.name))
    return Inventory(
        root=root,
        distributions=tuple(sizes),
        files=tuple(entries),
        unzipped_bytes=sum(e.unzipped_bytes for e in entries),
        zipped_bytes=sum(e.zipped_bytes for e in entries),
        file_count=len(entries),
    )


def inventory_of_zip(path: Path) -> Inventory:
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"{path} is not a readable zip ({exc}): rebuild or re-download it") from None
    with zf:
        entries = []
        for info in zf.infolist():
            if info.is_dir():
                continue
            mode = info.external_attr >> 16
            entries.append(FileEntry(info.filename, info.file_size, info.compress_size,
                                     is_symlink=stat.S_ISLNK(mode)))
        names = {e.path for e in entries}

        def read_text(name: str) -> str | None:
            if name not in names:
                return None
            try:
                return zf.read(name).decode("utf-8", errors="replace")
            except (zipfile.BadZipFile, zlib.error, OSError) as exc:
                raise InputError(f"{path} is corrupt ({name}: {exc}): rebuild or re-download it") from None

        return _build(str(path), entries, read_text)


def _deflated_size(path: Path) -> int:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return len(c.compress(path.read_bytes()) + c.flush())


def inventory_of_dir(root: Path, *, measure_zipped: bool = True) -> Inventory:
    """`zipped_bytes` of a folder is what deflate (level 6, as our zips use) makes of each file."""
    from concurrent.futures import ThreadPoolExecutor

    rels: list[tuple[str, Path, bool]] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            p = Path(dirpath) / name
            rels.append((p.relative_to(root).as_posix(), p, p.is_symlink()))
    real = [p for _, p, link in rels if not link]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        zipped = list(pool.map(_deflated_size, real)) if measure_zipped else [0] * len(real)
    zipped_by_path = dict(zip(real, zipped))
    entries = []
    for rel, p, link in rels:
        size = p.lstat().st_size
        entries.append(FileEntry(rel, size, zipped_by_path.get(p, size), is_symlink=link))

    def read_text(name: str) -> str | None:
        p = root / name
        if p.is_symlink() or not p.is_file():
            return None
        return p.read_text(encoding="utf-8", errors="replace")

    return _build(str(root), entries, read_text)


def inventory_of(path: Path) -> Inventory:
    if path.is_dir():
        return inventory_of_dir(path)
    if not path.exists():
        raise InputError(f"{path} does not exist: name a layer zip, a function zip or a folder")
    return inventory_of_zip(path)
