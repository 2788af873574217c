"""What is in a layer or function package: its files, and per distribution bytes, files and native libraries.

Data only: `layerbuild.measure.inventory` makes an Inventory from any zip or folder. Which files count as
tests and caches is defined here, beside the sizes (`DistSize.tests_bytes`, `caches_bytes`) that count them.

`zipped_bytes` of a file in a zip is what it costs in the archive: its local header, data and central
directory entry. So the distributions' zipped bytes add up to the zip file's size less the end record;
`Inventory.zip_file_bytes` is the file's size itself, which is what Lambda's 50 MB upload limit measures
(and what the report calls `layer.zipped_bytes`). For a folder both are estimates of the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field

UNOWNED = "(unowned)"
# The end of central directory record without a comment: 22 bytes (APPNOTE.TXT 4.3.16). Our zips have
# no comment and need no zip64 records below 65,535 entries and 4 GiB.
END_RECORD_BYTES = 22

# Folder names whose content no import needs at run time in a layer (reported, never removed here).
TEST_DIRS = frozenset({"tests", "test"})
CACHE_DIRS = frozenset({"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".ipynb_checkpoints"})


def is_test_file(path: str) -> bool:
    return any(part in TEST_DIRS for part in path.split("/")[:-1])  # archive paths: posix, no "." or "//"


def is_cache_file(path: str) -> bool:
    """Bytecode caches and tool caches. `__pycache__` is wanted when a layer ships bytecode on purpose."""
    return any(part in CACHE_DIRS for part in path.split("/")[:-1])


@dataclass(frozen=True)
class FileEntry:
    path: str  # archive path (posix), as in the zip or relative to the folder
    unzipped_bytes: int
    zipped_bytes: int
    is_symlink: bool = False
    distribution: str = ""  # the owning distribution's normalized name, or UNOWNED


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
    def unowned_files(self) -> tuple[str, ...]:
        """Files no `*.dist-info` claims (a function's own code, vendored or hand-copied packages)."""
        return tuple(f.path for f in self.files if f.distribution == UNOWNED)

    def get(self, name: str) -> DistSize | None:
        from layerbuild.facts.pep503 import canonicalize_name

        wanted = canonicalize_name(name)
        return next((d for d in self.distributions if d.name == wanted), None)
