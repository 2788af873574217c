"""A remembered ELF reading is the parsed one, for the same bytes only; a damaged entry is read again."""

from __future__ import annotations

import os
import sys

from layerbuild.measure import elf


def _real_elf() -> bytes:
    """This interpreter's own binary: a real ELF file with needed libraries and glibc versions."""
    with open(os.path.realpath(sys.executable), "rb") as fh:
        return fh.read()


def test_a_remembered_reading_equals_a_parse_and_a_damaged_entry_is_parsed_again(tmp_path, monkeypatch):
    monkeypatch.setenv("LAYERBUILD_CACHE_DIR", str(tmp_path / "cache"))
    data = _real_elf()
    parsed = elf._parse_elf(data)
    assert parsed is not None and parsed.machine
    assert elf.read_elf(data) == parsed
    (entry,) = (tmp_path / "cache" / "elf").rglob("*.json")
    assert elf.read_elf(data) == parsed  # read back
    entry.write_text('{"machine": "x86_64"}')  # damaged: a field missing
    assert elf.read_elf(data) == parsed
    assert elf.read_elf(data + b"\0") == elf._parse_elf(data + b"\0")  # other bytes: their own reading
    assert elf.read_elf(b"not an elf") is None
