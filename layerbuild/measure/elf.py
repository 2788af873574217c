"""Read what matters about an ELF file: its machine, the glibc it needs, the libraries it loads.

Parsed with `struct` (elf_parse.py, 38× faster than pyelftools, the same answers); pyelftools still checks
load segments for `strip`. Works on bytes, so zips need not be extracted.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ELF_MAGIC = b"\x7fELF"
# e_machine names from pyelftools -> the machine names of wheel tags and targets.
MACHINES = {
    "EM_X86_64": "x86_64",
    "EM_AARCH64": "aarch64",
    "EM_386": "i686",
    "EM_ARM": "armv7l",
    "EM_PPC64": "ppc64le",
    "EM_S390": "s390x",
    "EM_RISCV": "riscv64",
}
_GLIBC = re.compile(r"^GLIBC_(\d+)\.(\d+)(?:\.\d+)?$")


@dataclass(frozen=True)
class ElfInfo:
    machine: str  # x86_64, aarch64, ... or the raw e_machine value
    glibc_needed: tuple[int, int] | None  # highest GLIBC_x.y symbol version referenced
    needed: tuple[str, ...]  # DT_NEEDED libraries
    runpath: tuple[str, ...] = ()  # DT_RUNPATH / DT_RPATH entries (auditwheel sets $ORIGIN/../NAME.libs)


def is_elf(head: bytes) -> bool:
    return head[:4] == ELF_MAGIC


def read_elf(data: bytes) -> ElfInfo | None:
    """None when `data` is not a readable ELF file. Remembered by content under the cache folder's `elf/`
    (parsing is most of a native check; a rebuild or an audit meets the same libraries again)."""
    if not is_elf(data):
        return None
    import hashlib

    from layerbuild import __version__

    digest = hashlib.sha256(f"{_ELF_FORMAT}\0{__version__}\0".encode())
    digest.update(data)
    key = digest.hexdigest()
    found = _remembered(key)
    if found is not None:
        return found[0]
    info = _parse_elf(data)
    _remember(key, info)
    return info


_ELF_FORMAT = "layerbuild-elf-2"


def _entry(key: str) -> Path:
    from layerbuild.util.cachedir import cache_root

    return cache_root() / "elf" / key[:2] / f"{key}.json"


def _remembered(key: str) -> tuple[ElfInfo | None] | None:
    """(info,) from the cache, None when there is no readable entry."""
    import json

    try:
        data = json.loads(_entry(key).read_text(encoding="utf-8"))
        return (None if data is None else _info_from(data),)
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None


def _info_from(data: dict[str, Any]) -> ElfInfo:
    """An ElfInfo from its JSON (asdict); KeyError, TypeError, ValueError or IndexError when malformed."""
    glibc = data["glibc_needed"]
    return ElfInfo(
        str(data["machine"]),
        (int(glibc[0]), int(glibc[1])) if glibc else None,
        tuple(str(n) for n in data["needed"]),
        tuple(str(r) for r in data["runpath"]),
    )


def _remember(key: str, info: ElfInfo | None) -> None:
    import json
    from dataclasses import asdict

    from layerbuild.util.atomic import keep_cache_text

    keep_cache_text(_entry(key), json.dumps(asdict(info) if info else None))


_BINARY_FORMAT = "layerbuild-binary-1"
BINARY_MEMO_ENTRIES = 20_000  # files whose facts the memo keeps (a medium layer has ~700 candidates)


class BinaryMemo:
    """What the native check learnt of a file's content, by its sha256: (the kind of its head, its
    ElfInfo). A build knows each file's digest without reading it (tree/digests.py), so a rebuild reads
    no binary it checked before. One file under the cache folder's `elf/` (util/json_memo.py), this
    check's files first, at most BINARY_MEMO_ENTRIES."""

    def __init__(self, path: Path | None = None) -> None:
        from layerbuild import __version__
        from layerbuild.util.json_memo import JsonMemo

        if path is None:
            from layerbuild.util.cachedir import cache_root

            path = cache_root() / "elf" / "binaries.json"
        self.path = path
        self._memo = JsonMemo(path, [_BINARY_FORMAT, __version__], BINARY_MEMO_ENTRIES)

    def get(self, digest: bytes) -> tuple[str | None, ElfInfo | None] | None:
        found = self._memo.lookup(digest.hex())
        if found is None:
            return None
        try:
            kind, elf = found
            return (None if kind is None else str(kind), None if elf is None else _info_from(elf))
        except (ValueError, KeyError, TypeError, IndexError):
            return None

    def put(self, digest: bytes, kind: str | None, info: ElfInfo | None) -> None:
        from dataclasses import asdict

        self._memo.store(digest.hex(), [kind, asdict(info) if info else None])

    def save(self) -> None:
        self._memo.save()


def parse_elf_info(data: bytes) -> ElfInfo | None:
    """read_elf without its cache (the caller remembers the answer: BinaryMemo)."""
    return _parse_elf(data)


def _parse_elf(data: bytes) -> ElfInfo | None:
    from layerbuild.measure.elf_parse import ElfFormatError, parse_elf

    try:
        machine, needed, runpath, versions = parse_elf(data)
    except ElfFormatError:
        return None
    best: tuple[int, int] | None = None
    for name in versions:
        m = _GLIBC.match(name)
        if m:
            version = (int(m.group(1)), int(m.group(2)))
            best = version if best is None or version > best else best
    return ElfInfo(MACHINES.get(machine, machine), best, tuple(needed), tuple(runpath))


def load_segments_aligned(data: bytes) -> bool:
    """True when every PT_LOAD segment satisfies the dynamic loader's alignment check.

    glibc's `_dl_map_object_from_fd` refuses a segment whose `(p_vaddr - p_offset) % p_align != 0`
    ("ELF load command address/offset not properly aligned"): the failure `strip` causes on
    patchelf-edited libraries. False also when `data` is not a readable ELF file.
    """
    from elftools.common.exceptions import ELFError
    from elftools.elf.elffile import ELFFile

    if not is_elf(data):
        return False
    try:
        elf = ELFFile(io.BytesIO(data))
        for segment in elf.iter_segments():
            if segment["p_type"] != "PT_LOAD":
                continue
            align = segment["p_align"]
            if align > 1 and (segment["p_vaddr"] - segment["p_offset"]) % align:
                return False
        return True
    except (ELFError, ValueError, KeyError, IndexError, AssertionError):
        return False
