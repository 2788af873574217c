"""Read an ELF file's machine, DT_NEEDED / DT_RUNPATH / DT_RPATH and GNU version needs with `struct`.

What a native check needs is in three places of the file: the header's `e_machine`, the `SHT_DYNAMIC`
section (its entries name strings in the section its `sh_link` points at) and the `SHT_GNU_verneed`
section (`sh_info` records, each with its auxiliary version names). pyelftools reads the same but
builds an object per field: 0.76 s for the 68 libraries of numpy+pandas+pydantic against 0.02 s here,
and the results are the same (tests/unit/measure/test_elf_parse.py compares both on every library of
a real layer and of this machine). Layouts: the System V ABI, "ELF-64 Object File Format" and the
LSB's "Symbol Versioning" (Elfxx_Verneed / Elfxx_Vernaux are 16 bytes in both classes).
"""

from __future__ import annotations

import struct

ELF_MAGIC = b"\x7fELF"
SHT_DYNAMIC, SHT_NOBITS, SHT_GNU_VERNEED = 6, 8, 0x6FFFFFFE
DT_NULL, DT_NEEDED, DT_RPATH, DT_RUNPATH = 0, 1, 15, 29
# e_machine values (System V ABI) by the names pyelftools gives them.
EM_NAMES = {
    3: "EM_386",
    40: "EM_ARM",
    62: "EM_X86_64",
    21: "EM_PPC64",
    22: "EM_S390",
    183: "EM_AARCH64",
    243: "EM_RISCV",
}


class ElfFormatError(ValueError):
    """The bytes start like ELF but their headers point outside the file or make no sense."""


def _string(data: bytes, table: tuple[int, int], offset: int) -> str:
    start, size = table
    if offset >= size:
        raise ElfFormatError("string offset outside its table")
    end = data.find(b"\0", start + offset, start + size)
    return data[start + offset : end if end >= 0 else start + size].decode("utf-8", "replace")


def parse_elf(data: bytes) -> tuple[str, list[str], list[str], list[str]]:
    """(e_machine name, DT_NEEDED, DT_RUNPATH/DT_RPATH entries, every version name needed), in file order.
    Raises ElfFormatError (a ValueError) when the file is not readable ELF."""
    if data[:4] != ELF_MAGIC or data[4] not in (1, 2) or data[5] not in (1, 2):
        raise ElfFormatError("not an ELF file")
    end = "<" if data[5] == 1 else ">"
    wide = data[4] == 2
    try:
        header = struct.unpack_from(end + ("HHIQQQIHHHHHH" if wide else "HHIIIIIHHHHHH"), data, 16)
        machine, shoff, shentsize, shnum = header[1], header[5], header[10], header[11]
        section = struct.Struct(end + ("IIQQQQIIQQ" if wide else "IIIIIIIIII"))
        if not shoff:
            return EM_NAMES.get(machine, f"EM_{machine}"), [], [], []
        if shentsize < section.size:
            raise ElfFormatError("section header entries too small")
        if shnum == 0:  # extended numbering: the count is in section 0's sh_size
            shnum = section.unpack_from(data, shoff)[5]
        if shoff + shnum * shentsize > len(data):
            raise ElfFormatError("section headers outside the file")
        sections = [section.unpack_from(data, shoff + i * shentsize) for i in range(shnum)]

        def table(index: int) -> tuple[int, int]:
            if index >= len(sections):
                raise ElfFormatError("sh_link outside the section headers")
            offset, size = sections[index][4], sections[index][5]
            if offset + size > len(data):
                raise ElfFormatError("string table outside the file")
            return offset, size

        needed: list[str] = []
        runpath: list[str] = []
        versions: list[str] = []
        dyn = struct.Struct(end + ("qQ" if wide else "iI"))
        pair = struct.Struct(end + "HHIII")  # Verneed: version, cnt, file, aux, next
        aux = struct.Struct(end + "IHHII")  # Vernaux: hash, flags, other, name, next
        for _, kind, _, _, offset, size, link, info, _, _ in sections:
            if kind == SHT_DYNAMIC and size and offset + size <= len(data):
                strings = table(link)
                for at in range(offset, offset + size - dyn.size + 1, dyn.size):
                    tag, value = dyn.unpack_from(data, at)
                    if tag == DT_NULL:
                        break
                    if tag == DT_NEEDED:
                        needed.append(_string(data, strings, value))
                    elif tag in (DT_RUNPATH, DT_RPATH):
                        runpath += _string(data, strings, value).split(":")
            elif kind == SHT_GNU_VERNEED and size:
                strings = table(link)
                at = offset
                for _ in range(info):
                    _, count, _, first, following = pair.unpack_from(data, at)
                    entry = at + first
                    for _ in range(count):
                        _, _, _, name, step = aux.unpack_from(data, entry)
                        versions.append(_string(data, strings, name))
                        entry += step
                    if not following:
                        break
                    at += following
        return EM_NAMES.get(machine, f"EM_{machine}"), needed, runpath, versions
    except struct.error as exc:
        raise ElfFormatError(str(exc)) from None
