"""Which distribution owns each file of a layer, and the per-distribution sizes that makes.

Files are owned through each `*.dist-info/RECORD`; files no RECORD lists fall back to the distribution
that owns their top-level folder, else they are reported as unowned (the `(unowned)` row). A layer may
hold several site folders (`python/` and `python/lib/python3.X/site-packages/`): each is read on its own.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace

from layerbuild.model.inventory import UNOWNED, DistSize, FileEntry, Inventory, is_cache_file, is_test_file
from layerbuild.tree.distributions import Distribution, parse_dist_info

ReadText = Callable[[str], str | None]  # a file's text by archive path, None when it is not there
LARGEST_FILES_KEPT = 10


def _is_native(path: str) -> bool:
    name = path.rpartition("/")[2]
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
        parts = p.split("/")
        for i, part in enumerate(parts[:-1]):
            if part.endswith(".dist-info"):
                sites.add("".join(x + "/" for x in parts[:i]))
                break
    if not sites:
        sites.add("python/" if any(p.startswith("python/") for p in paths) else "")
    return sorted(sites, key=len, reverse=True)


def _reader(read_text: ReadText, site: str) -> ReadText:
    """`read_text` for paths relative to `site`."""
    return lambda rel: read_text(site + rel)


def _distributions(paths: list[str], sites: list[str], read_text: ReadText) -> list[tuple[str, Distribution]]:
    """(site, distribution) for every readable `*.dist-info` in the layer."""
    dists: list[tuple[str, Distribution]] = []
    seen = set()
    for p in paths:
        site = _site_of(p, sites)
        if site is None:
            continue
        first = p[len(site) :].split("/", 1)[0]
        if first.endswith(".dist-info") and (site, first) not in seen:
            seen.add((site, first))
            dist = parse_dist_info(first, _reader(read_text, site))
            if dist:
                dists.append((site, dist))
    return dists


def _owned(entries: list[FileEntry], sites: list[str], dists: list[tuple[str, Distribution]]) -> list[FileEntry]:
    """The entries with their owning distribution set (RECORD, else the top-level folder, else UNOWNED)."""
    owner: dict[str, str] = {}
    top_owner: dict[tuple[str, str], str] = {}
    info_owner = {(site, d.dist_info): d.name for site, d in dists}
    for site, dist in dists:
        for f in (*dist.files, f"{dist.dist_info}/RECORD"):
            owner[site + f] = dist.name
            top_owner.setdefault((site, f.split("/", 1)[0]), dist.name)
    owned = []
    for e in entries:
        name: str | None = owner.get(e.path)
        if name is None:
            where = _site_of(e.path, sites)
            if where is not None:
                first = e.path[len(where) :].split("/", 1)[0]
                if first.endswith(".dist-info"):
                    name = info_owner.get((where, first))
                name = name or top_owner.get((where, first))
        owned.append(replace(e, distribution=name or UNOWNED))
    return owned


def _size(name: str, files: list[FileEntry], dist: Distribution | None, site: str) -> DistSize:
    largest = sorted(((f.path, f.unzipped_bytes) for f in files), key=lambda x: (-x[1], x[0]))
    return DistSize(
        name=name,
        version=dist.version if dist else None,
        unzipped_bytes=sum(f.unzipped_bytes for f in files),
        zipped_bytes=sum(f.zipped_bytes for f in files),
        files=len(files),
        native_libs=tuple(sorted(f.path for f in files if _is_native(f.path))),
        top_level=dist.top_level if dist else (),
        largest_files=tuple(largest[:LARGEST_FILES_KEPT]),
        site=site,
        tests_bytes=sum(f.unzipped_bytes for f in files if is_test_file(f.path)),
        caches_bytes=sum(f.unzipped_bytes for f in files if is_cache_file(f.path)),
    )


def build_inventory(
    root: str, entries: list[FileEntry], read_text: ReadText, archive_bytes: int | None = None
) -> Inventory:
    """The inventory of a layer's file entries; `read_text` reads the `*.dist-info` files among them."""
    paths = [e.path for e in entries]
    sites = _find_sites(paths)
    dists = _distributions(paths, sites, read_text)
    by_name = {d.name: (site, d) for site, d in dists}  # a name found in two sites: the last one read
    owned = _owned(entries, sites, dists)
    grouped: dict[str, list[FileEntry]] = defaultdict(list)
    for e in owned:
        grouped[e.distribution].append(e)
    sizes = []
    for name, files in grouped.items():
        site, dist = by_name.get(name, ("", None))
        sizes.append(_size(name, files, dist, site))
    sizes.sort(key=lambda d: (-d.unzipped_bytes, d.name))
    return Inventory(
        root=root,
        distributions=tuple(sizes),
        files=tuple(owned),
        unzipped_bytes=sum(e.unzipped_bytes for e in owned),
        zipped_bytes=sum(e.zipped_bytes for e in owned),
        file_count=len(owned),
        archive_bytes=archive_bytes,
    )
