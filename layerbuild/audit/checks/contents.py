"""What should not ship: test folders (LB202), tool caches (LB203), bytecode of another Python (LB204)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import PurePosixPath
from typing import Protocol

from layerbuild.audit.findings import Finding, finding
from layerbuild.facts.pyc_magic import python_of_pyc
from layerbuild.model.inventory import CACHE_DIRS, TEST_DIRS, UNOWNED, Inventory, is_cache_file, is_test_file
from layerbuild.model.target import Target
from layerbuild.util.units import human_bytes


class Files(Protocol):
    """Reads a file of the audited package by its path inside it (`verify.native.PackageFiles`)."""

    def read(self, name: str, limit: int | None = None) -> bytes: ...


_Item = tuple[str, int, str]  # (path, unzipped bytes, distribution)


def _group_by_package(items: list[_Item]) -> dict[str, list[_Item]]:
    grouped: dict[str, list[_Item]] = defaultdict(list)
    for item in items:
        grouped[item[2]].append(item)
    return grouped


def _first_folder(path: str, names: frozenset[str]) -> str:
    parts = PurePosixPath(path).parts
    for i, part in enumerate(parts[:-1]):
        if part in names:
            return "/".join(parts[: i + 1]) + "/"
    return path


def _label(package: str) -> str:
    return package if package != UNOWNED else "files no package owns"


def _tests_kept_on_purpose(inv: Inventory, files: Files) -> set[str]:
    """Test-folder files the build's slim stage keeps for a reason (`slim/keep.kept_on_purpose`: known
    breakers, the import guard), as package paths. Judged per site folder (python/, or a function's root)."""
    from layerbuild.slim.keep import kept_on_purpose

    sites = sorted({d.site for d in inv.distributions if d.name != UNOWNED}, key=len, reverse=True)
    dist_site = {d.name: d.site for d in inv.distributions if d.name != UNOWNED}
    by_site: dict[str, dict[str, str]] = defaultdict(dict)  # site -> {relative path: distribution}
    for f in inv.files:
        if f.is_symlink:
            continue
        site = dist_site.get(f.distribution) or next((s for s in sites if f.path.startswith(s)), None)
        if site is not None and f.path.startswith(site):
            by_site[site][f.path[len(site) :]] = f.distribution if f.distribution != UNOWNED else ""
    kept: set[str] = set()
    for site, owners in by_site.items():
        found = kept_on_purpose(sorted(owners), lambda rel: owners.get(rel, ""), lambda rel: files.read(site + rel))  # noqa: B023 - used in this iteration
        kept |= {site + rel for rel in found}
    return kept


def check_tests_and_caches(inv: Inventory, files: Files) -> list[Finding]:
    out = []
    tests = [(f.path, f.unzipped_bytes, f.distribution) for f in inv.files if is_test_file(f.path)]
    if tests:  # what the build keeps on purpose (numpy/_core/tests/_natype.py, imported by numpy) is no finding
        kept = _tests_kept_on_purpose(inv, files)
        tests = [t for t in tests if t[0] not in kept]
    for package, items in sorted(_group_by_package(tests).items()):
        folders = sorted({_first_folder(p, TEST_DIRS) for p, _, _ in items})
        size = sum(b for _, b, _ in items)
        out.append(
            finding(
                "LB202",
                f"{_label(package)}: {len(items)} files ({human_bytes(size)}) in test folders "
                f"{', '.join(folders[:3])}" + (f" and {len(folders) - 3} more" if len(folders) > 3 else ""),
                file=folders[0],
                package=package if package != UNOWNED else None,
            )
        )
    # __pycache__ holding bytecode of the target's Python is wanted (bytecode on purpose); other .pyc are
    # judged by the .pyc rule; what remains is tool caches.
    caches = [
        (f.path, f.unzipped_bytes, f.distribution)
        for f in inv.files
        if is_cache_file(f.path) and not f.path.endswith(".pyc")
    ]
    for package, items in sorted(_group_by_package(caches).items()):
        folders = sorted({_first_folder(p, CACHE_DIRS) for p, _, _ in items})
        size = sum(b for _, b, _ in items)
        out.append(
            finding(
                "LB203",
                f"{_label(package)}: {len(items)} files ({human_bytes(size)}) in cache folders {', '.join(folders[:3])}",
                file=folders[0],
                package=package if package != UNOWNED else None,
            )
        )
    return out


def check_bytecode(inv: Inventory, target: Target | None, files: Files) -> list[Finding]:
    if target is None:
        return []
    names = {f.path for f in inv.files}
    by_package: dict[tuple[str, str], list[tuple[str, bool]]] = defaultdict(list)
    for f in inv.files:
        if not f.path.endswith(".pyc"):
            continue
        version = python_of_pyc(files.read(f.path, 16))
        if version is None or version == target.python_version:
            continue
        p = PurePosixPath(f.path)
        if p.parent.name == "__pycache__":
            source = str(p.parent.parent / (p.name.split(".", 1)[0] + ".py"))
            sourceless = False  # Python ignores a __pycache__ entry of another version and reads the .py
        else:
            source = str(p.with_suffix(".py"))
            sourceless = source not in names
        by_package[(f.distribution, version)].append((f.path, sourceless))
    out = []
    for (package, version), items in sorted(by_package.items()):
        without_source = [p for p, s in items if s]
        msg = (
            f"{_label(package)}: {len(items)} .pyc files written by Python {version}; {target.runtime} runs "
            f"{target.python_version}"
        )
        if without_source:
            msg += f" — {len(without_source)} have no .py beside them, so importing them fails (bad magic number)"
        else:
            msg += ", so they are dead weight"
        out.append(
            finding(
                "LB204",
                msg,
                file=(without_source or [items[0][0]])[0],
                package=package if package != UNOWNED else None,
                severity="error" if without_source else None,
            )
        )
    return out
