"""A requirements file's text as pip reads it: size and kind checked, decoded (byte-order mark, else
UTF-8), `\\` continuations joined and comments dropped. Each refusal is one line naming the file and,
for an included one, the file that includes it."""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from layerbuild.errors import InputError

_MAX_BYTES = 5_000_000
# pip's auto_decode: a byte-order mark names the encoding (pip/_internal/utils/encoding.py).
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def logical_lines(text: str) -> list[tuple[int, str]]:
    """Join `\\` continuations and drop comments: (first line number, content)."""
    out: list[tuple[int, str]] = []
    buf, start = "", 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = re.sub(r"(^|\s)#.*$", "", raw).rstrip()
        if not buf:
            start = number
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        buf += line
        if buf.strip():
            out.append((start, buf.strip()))
        buf = ""
    if buf.strip():
        out.append((start, buf.strip()))
    return out


def decode(data: bytes, path: Path, where: str = "") -> str:
    """Text as pip reads it: the encoding a byte-order mark names, else UTF-8."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding)
            except UnicodeDecodeError:
                label = encoding.split("-le")[0].split("-be")[0].upper()
                raise InputError(
                    f"{path} starts with a {label} byte-order mark but is not {label} text{where}: "
                    "save it again as UTF-8"
                ) from None
    if b"\x00" in data:
        raise InputError(f"{path} is a binary file, not a requirements file{where}: check the path")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{path} is not UTF-8 text{where}: save it as UTF-8") from None


def read_text(path: Path, included_from: Path | None) -> str:
    """The decoded text of the requirements file `path` (a regular file under 5 MB)."""
    where = f" (included from {included_from})" if included_from else ""
    if not path.exists():
        raise InputError(f"requirements file {path} does not exist{where}: check the path")
    if path.is_dir():
        raise InputError(f"{path} is a folder, not a requirements file{where}: name the requirements.txt inside it")
    if not path.is_file():
        # A device or pipe (`-r /dev/zero`) would be read forever.
        raise InputError(f"{path} is not a regular file{where}: name a requirements file")
    with open(path, "rb") as f:
        data = f.read(_MAX_BYTES + 1)
    if len(data) > _MAX_BYTES:
        raise InputError(f"{path} is over {_MAX_BYTES:,} bytes: too large for a requirements file{where}")
    return decode(data, path, where)
