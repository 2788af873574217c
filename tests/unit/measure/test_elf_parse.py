"""The struct-based ELF reader (measure/elf_parse.py) gives pyelftools' answers on real libraries."""

from __future__ import annotations

import io
import os
import random
import sys
import sysconfig
from pathlib import Path

import pytest

from layerbuild.measure.elf import MACHINES, ElfInfo, _parse_elf
from layerbuild.measure.elf_parse import ElfFormatError, parse_elf


def _pyelftools(data: bytes) -> ElfInfo | None:
    """The reading measure/elf.py did before elf_parse.py, kept here as the reference."""
    from elftools.common.exceptions import ELFError
    from elftools.elf.dynamic import DynamicSection
    from elftools.elf.elffile import ELFFile
    from elftools.elf.gnuversions import GNUVerNeedSection

    from layerbuild.measure.elf import _GLIBC

    try:
        elf = ELFFile(io.BytesIO(data))
        machine = MACHINES.get(elf["e_machine"], str(elf["e_machine"]))
        best, needed, runpath = None, [], []
        for section in elf.iter_sections():
            if isinstance(section, GNUVerNeedSection):
                for _, auxiliaries in section.iter_versions():
                    for aux in auxiliaries:
                        m = _GLIBC.match(aux.name)
                        if m:
                            version = (int(m.group(1)), int(m.group(2)))
                            best = version if best is None or version > best else best
            elif isinstance(section, DynamicSection):
                for tag in section.iter_tags():
                    if tag.entry.d_tag == "DT_NEEDED":
                        needed.append(tag.needed)
                    elif tag.entry.d_tag == "DT_RUNPATH":
                        runpath += tag.runpath.split(":")
                    elif tag.entry.d_tag == "DT_RPATH":
                        runpath += tag.rpath.split(":")
        return ElfInfo(machine, best, tuple(needed), tuple(runpath))
    except (ELFError, ValueError, KeyError, IndexError, AssertionError):
        return None


def _elf_files(limit: int = 200) -> list[Path]:
    """ELF files of this machine: the interpreter's extension modules, the installed packages' libraries
    (pydantic_core, deflate, …) and the system's shared libraries."""
    roots = [sysconfig.get_paths()["platlib"], os.path.join(sys.base_prefix, "lib"), "/usr/lib/x86_64-linux-gnu"]
    roots += ["/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/lib"]
    found: list[Path] = []
    for root in roots:
        for folder, _, names in os.walk(root):
            for name in names:
                path = Path(folder, name)
                if path.is_symlink() or not (".so" in name or name.startswith("python")):
                    continue
                try:
                    with open(path, "rb") as fh:
                        if fh.read(4) == b"\x7fELF":
                            found.append(path)
                except OSError:
                    continue
                if len(found) >= limit:
                    return found
    return found


def test_the_struct_reader_gives_pyelftools_answers_on_every_library_here() -> None:
    files = _elf_files()
    assert len(files) >= 20, "too few ELF files on this machine to compare"
    with_needs = 0
    for path in files:
        data = path.read_bytes()
        ours = _parse_elf(data)
        assert ours == _pyelftools(data), path
        with_needs += bool(ours and ours.needed and ours.glibc_needed)
    assert with_needs >= 10  # the comparison covered real DT_NEEDED lists and GLIBC_x.y needs


def test_damaged_elf_bytes_are_refused_with_the_format_error_only() -> None:
    data = next(p for p in _elf_files(50) if p.stat().st_size < 2_000_000).read_bytes()
    rng = random.Random(7)
    for i in range(600):
        blob = bytearray(data[: rng.randint(0, len(data))] if i % 2 else data)
        if i % 2 == 0:
            for _ in range(30):
                blob[rng.randrange(min(len(blob), 8192))] = rng.randrange(256)
        try:
            parse_elf(bytes(blob))
        except ElfFormatError:
            pass  # the only error it may raise: read_elf turns it into "not readable ELF"


def test_not_elf_is_refused() -> None:
    with pytest.raises(ElfFormatError):
        parse_elf(b"#!/bin/sh\n")
    assert _parse_elf(b"\x7fELF\x02\x01") is None
