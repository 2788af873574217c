"""What is in a layer or function package: per distribution bytes, files and native libraries.

Works on any zip or folder, not only ones layerbuild built (it never imports build.py). Files are
owned through each `*.dist-info/RECORD`; files no RECORD lists fall back to the distribution that owns
their top-level folder, else they are reported as unowned (the `(unowned)` row; `Inventory.unowned_files`).

`zipped_bytes` of a file in a zip is what it costs in the archive: its local header, data and central
directory entry. So the distributions' zipped bytes add up to the zip file's size less the end record;
`Inventory.zip_file_bytes` is the file's size itself, which is what Lambda's 50 MB upload limit measures
(and what the report calls `layer.zipped_bytes`). For a folder both are estimates of the same.
"""

from __future__ import annotations

import os
import stat
import zipfile
import zlib
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from layerbuild.errors import InputError
from layerbuild.tree.distributions import Distribution, parse_dist_info

UNOWNED = "(unowned)"
# The end of central directory record without a comment: 22 bytes (APPNOTE.TXT 4.3.16). Our zips have
# no comment and need no zip64 records below 65,535 entries and 4 GiB.
END_RECORD_BYTES = 22
# Where Lambda's Python finds packages inside /opt (layers) or /var/task (function zips).
SITE_PREFIXES = ("python/lib/python3.*/site-packages/", "python/", "")


@dataclass(frozen=True)
class FileEntry:
    path: str  # archive path (posix), as in the zip or relative to the folder
    unzipped_bytes: int
    zipped_bytes: int
    is_symlink: bool = False
    distribution: str = ""  # the owning distribution's normalized name, or UNOWNED


# Folder names whose content no import needs at run time in a layer (reported, never removed here).
TEST_DIRS = frozenset({"tests", "test"})
CACHE_DIRS = frozenset({"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".ipynb_checkpoints"})


def is_test_file(path: str) -> bool:
    return any(part in TEST_DIRS for part in PurePosixPath(path).parts[:-1])


def is_cache_file(path: str) -> bool:
    """Bytecode caches and tool caches. `__pycache__` is wanted when a layer ships bytecode on purpose."""
    return any(part in CACHE_DIRS for part in PurePosixPath(path).parts[:-1])


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
    tests_bytes: int = 0  # unzipped bytes under tests/ or test/ folders
    caches_bytes: int = 0  # unzipped bytes under __pycache__/ and tool cache folders


@dataclass(frozen=True)
class Inventory:
    root: str
    distributions: tuple[DistSize, ...]
    files: tuple[FileEntry, ...] = field(repr=False)
    unzipped_bytes: int = 0
    zipped_bytes: int = 0
    file_count: int = 0
    archive_bytes: int | None = None  # the zip file's size on disk; None for a folder
    # A folder's FIFOs, sockets and devices: (path, kind). Never opened (a FIFO would block forever) and
    # not part of any layer (a zip holds regular files and links only); counted so the user learns of them.
    skipped_special: tuple[tuple[str, str], ...] = ()

    @property
    def zip_file_bytes(self) -> int:
        """The zip file's size: on disk for a zip; for a folder, its entries' estimate plus the end record."""
        return self.archive_bytes if self.archive_bytes is not None else self.zipped_bytes + END_RECORD_BYTES

    @property
    def totals(self) -> dict[str, int]:
        return {"unzipped_bytes": self.unzipped_bytes, "zipped_bytes": self.zipped_bytes, "files": self.file_count}

    def files_of(self, name: str) -> tuple[FileEntry, ...]:
        return tuple(f for f in self.files if f.distribution == name)

    @property
    def unowned_files(self) -> tuple[str, ...]:
        """Files no `*.dist-info` claims (a function's own code, vendored or hand-copied packages)."""
        return tuple(f.path for f in self.files if f.distribution == UNOWNED)

    def get(self, name: str) -> DistSize | None:
        from layerbuild.resolve.resolver import normalize

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


def _build(root: str, entries: list[FileEntry], read_text, archive_bytes: int | None = None) -> Inventory:
    paths = [e.path for e in entries]
    sites = _find_sites(paths)
    dists: list[tuple[str, Distribution]] = []
    seen_infos = set()
    for p in paths:
        site = _site_of(p, sites)
        if site is None:
            continue
        rel = p[len(site) :]
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
    owned_entries = []
    for e in entries:
        name = owner.get(e.path)
        if name is None:
            site = _site_of(e.path, sites)
            if site is not None:
                first = e.path[len(site) :].split("/", 1)[0]
                if first.endswith(".dist-info"):
                    name = next((d.name for s, d in dists if s == site and d.dist_info == first), None)
                name = name or top_owner.get((site, first))
        e = replace(e, distribution=name or UNOWNED)
        grouped[e.distribution].append(e)
        owned_entries.append(e)
    entries = owned_entries
    sizes = []
    for name, files in grouped.items():
        largest = sorted(((f.path, f.unzipped_bytes) for f in files), key=lambda x: (-x[1], x[0]))[:10]
        sizes.append(
            DistSize(
                name=name,
                version=versions.get(name),
                unzipped_bytes=sum(f.unzipped_bytes for f in files),
                zipped_bytes=sum(f.zipped_bytes for f in files),
                files=len(files),
                native_libs=tuple(sorted(f.path for f in files if _is_native(f.path))),
                top_level=tops.get(name, ()),
                largest_files=tuple(largest),
                site=site_of_dist.get(name, ""),
                tests_bytes=sum(f.unzipped_bytes for f in files if is_test_file(f.path)),
                caches_bytes=sum(f.unzipped_bytes for f in files if is_cache_file(f.path)),
            )
        )
    sizes.sort(key=lambda d: (-d.unzipped_bytes, d.name))
    return Inventory(
        root=root,
        distributions=tuple(sizes),
        files=tuple(entries),
        unzipped_bytes=sum(e.unzipped_bytes for e in entries),
        zipped_bytes=sum(e.zipped_bytes for e in entries),
        file_count=len(entries),
        archive_bytes=archive_bytes,
    )


def _refuse_escaping_entry(path: Path, name: str) -> None:
    """A zip entry that is absolute or climbs out with `..` cannot be part of a layer, and anything that
    extracted it naively would write outside its folder: refuse the zip instead of measuring it."""
    posix = name.replace("\\", "/")
    if posix.startswith("/") or (len(posix) > 1 and posix[1] == ":") or ".." in posix.split("/"):
        raise InputError(
            f"{path} has an entry outside the layer ({name!r}): a layer's paths are relative, "
            "without '..'; rebuild the zip"
        )


def inventory_of_zip(path: Path) -> Inventory:
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"{path} is not a readable zip ({exc}): rebuild or re-download it") from None
    with zf:
        entries = []
        spans = _archive_spans(zf)
        for info in zf.infolist():
            _refuse_escaping_entry(path, info.filename)
            if info.is_dir():
                continue
            mode = info.external_attr >> 16
            entries.append(FileEntry(info.filename, info.file_size, spans[id(info)], is_symlink=stat.S_ISLNK(mode)))
        names = {e.path for e in entries}

        def read_text(name: str) -> str | None:
            if name not in names:
                return None
            try:
                return zf.read(name).decode("utf-8", errors="replace")
            except (zipfile.BadZipFile, zlib.error, OSError) as exc:
                raise InputError(f"{path} is corrupt ({name}: {exc}): rebuild or re-download it") from None

        return _build(str(path), entries, read_text, archive_bytes=path.stat().st_size)


def _central_entry_bytes(info: zipfile.ZipInfo) -> int:
    # APPNOTE 4.3.12: 46 fixed bytes, then name, extra field and comment.
    return 46 + len(info.orig_filename.encode("utf-8")) + len(info.extra) + len(info.comment)


def _archive_spans(zf: zipfile.ZipFile) -> dict[int, int]:
    """Bytes each entry takes in the archive: from its local header to the next one, plus its central entry.

    Entries are laid out one after another, so the distance between header offsets is exact (it covers
    the local header, any data descriptor and the data). Where offsets look wrong (overlapping or
    prepended data), fall back to the compressed size plus the fixed local header.
    """
    infos = sorted(zf.infolist(), key=lambda i: i.header_offset)
    end = getattr(zf, "start_dir", None)
    spans = {}
    for i, info in enumerate(infos):
        nxt = infos[i + 1].header_offset if i + 1 < len(infos) else end
        local = 30 + len(info.orig_filename.encode("utf-8")) + len(info.extra) + info.compress_size
        if nxt is not None and local - len(info.extra) <= nxt - info.header_offset <= local + (1 << 16) + 24:
            local = nxt - info.header_offset
        spans[id(info)] = local + _central_entry_bytes(info)
    return spans


def _deflated_size(path: Path) -> int:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return len(c.compress(path.read_bytes()) + c.flush())


def special_kind(mode: int) -> str | None:
    """What a non-regular, non-link file is (`fifo`, `socket`, `character device`, `block device`), else None."""
    if stat.S_ISFIFO(mode):
        return "fifo"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode):
        return "character device"
    if stat.S_ISBLK(mode):
        return "block device"
    return None


def _walk_dir(root: Path) -> tuple[list[tuple[str, Path, bool, int]], list[tuple[str, str]]]:
    """(relative path, path, is a link, size) of every regular file and link under `root`, sorted, and
    the (path, kind) of everything else found there. Only the file's own metadata is read (lstat):
    links are not followed, and FIFOs, sockets and devices are never opened."""
    rels: list[tuple[str, Path, bool, int]] = []
    special: list[tuple[str, str]] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            p = Path(dirpath) / name
            rel = p.relative_to(root).as_posix()
            try:
                st = p.lstat()
            except FileNotFoundError:  # removed while we walked
                continue
            if stat.S_ISREG(st.st_mode) or stat.S_ISLNK(st.st_mode):
                rels.append((rel, p, stat.S_ISLNK(st.st_mode), st.st_size))
            else:
                special.append((rel, special_kind(st.st_mode) or "special file"))
    return rels, special


def inventory_of_dir(root: Path, *, measure_zipped: bool = True) -> Inventory:
    """`zipped_bytes` of a folder: what deflate (level 6, as our zips use) makes of each file, plus the
    zip headers it would get with the same names (local 30 + central 46 bytes, plus the name twice).
    Only regular files are read; FIFOs, sockets and devices are skipped and listed in `skipped_special`."""
    from concurrent.futures import ThreadPoolExecutor

    rels, special = _walk_dir(root)
    real = [p for _, p, link, _ in rels if not link]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        zipped = list(pool.map(_deflated_size, real)) if measure_zipped else [0] * len(real)
    zipped_by_path = dict(zip(real, zipped))
    entries = []
    for rel, p, link, size in rels:
        headers = 76 + 2 * len(rel.encode("utf-8"))
        # Our zips store a file as-is when deflate would not make it smaller (package.py).
        entries.append(FileEntry(rel, size, min(zipped_by_path.get(p, size), size) + headers, is_symlink=link))

    def read_text(name: str) -> str | None:
        p = root / name
        if p.is_symlink() or not p.is_file():
            return None
        return p.read_text(encoding="utf-8", errors="replace")

    return replace(_build(str(root), entries, read_text), skipped_special=tuple(special))


def inventory_of(path: Path) -> Inventory:
    if path.is_dir():
        return inventory_of_dir(path)
    if not path.exists():
        raise InputError(f"{path} does not exist: name a layer zip, a function zip or a folder")
    refuse_special_file(path)
    return inventory_of_zip(path)


def refuse_special_file(path: Path) -> None:
    """A FIFO, socket or device given where a zip is expected: reading it could block forever."""
    try:
        kind = special_kind(path.stat().st_mode)
    except OSError:
        return  # the caller's open reports it
    if kind:
        raise InputError(f"{path} is a {kind}, not a file: name a layer zip, a function zip or a folder")
