"""Read a requirements file the way pip does, to catch bad input early with one clear line.

uv does the real parsing and resolution; this module only checks what users get wrong (missing or
binary files, include loops, unparseable lines) and collects the index options, which must reach every
later `uv` call (and a build container) without ever being printed.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError
from .redact import redact_url

# Options that name where packages come from; passed on to every uv call.
INDEX_OPTIONS = {
    "-i": "--index-url",
    "--index-url": "--index-url",
    "--extra-index-url": "--extra-index-url",
    "-f": "--find-links",
    "--find-links": "--find-links",
    "--no-index": "--no-index",
    "--trusted-host": "--trusted-host",
}
INCLUDE_OPTIONS = {"-r": "requirement", "--requirement": "requirement", "-c": "constraint",
                   "--constraint": "constraint"}
# Options uv accepts in a requirements file that do not change where packages come from.
OTHER_OPTIONS = {"--hash", "-e", "--editable", "--pre", "--prefer-binary", "--only-binary", "--no-binary",
                 "--use-feature", "--require-hashes"}

_MAX_BYTES = 5_000_000


@dataclass(frozen=True)
class RequirementsInput:
    """A requirements file and everything it includes."""

    path: Path
    files: tuple[Path, ...]
    index_args: tuple[str, ...]  # e.g. ("--index-url", "https://user:token@host/simple"): never print
    requirement_lines: tuple[str, ...]
    all_hashed_pins: bool  # every requirement is `name==version` with --hash: a lock already

    @property
    def digest(self) -> str:
        """Hash of every included file's content: the resolution's input."""
        h = hashlib.sha256()
        for f in self.files:
            h.update(str(f).encode())
            h.update(f.read_bytes())
        return h.hexdigest()

    def index_args_redacted(self) -> tuple[str, ...]:
        return tuple(redact_url(a) for a in self.index_args)


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


def _read_text(path: Path, included_from: Path | None) -> str:
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
    if b"\x00" in data:
        raise InputError(f"{path} is a binary file, not a requirements file{where}: check the path")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{path} is not UTF-8 text{where}: save it as UTF-8") from None


def _split_option(line: str) -> tuple[str, str]:
    """`--index-url=URL`, `--index-url URL`, `-iURL` -> (option, value)."""
    if line.startswith("--"):
        if "=" in line.split()[0]:
            opt, _, value = line.partition("=")
            return opt, value.strip()
        opt, _, value = line.partition(" ")
        return opt, value.strip()
    opt, value = line[:2], line[2:].strip()
    return opt, value


def _check_requirement(line: str, path: Path, number: int) -> str:
    from packaging.requirements import InvalidRequirement, Requirement

    # Per-requirement options such as --hash follow the requirement on the same logical line.
    spec = re.split(r"\s--?[a-zA-Z]", " " + line, maxsplit=1)[0].strip()
    if "://" in spec.split(";")[0] and "@" not in spec.split(";")[0].split("://")[0]:
        return spec  # a URL to a wheel, sdist or VCS: uv checks it
    if spec.startswith((".", "/", "~")) or spec.endswith((".whl", ".tar.gz", ".zip")):
        return spec  # a local path: uv checks it
    try:
        Requirement(spec)
    except InvalidRequirement as exc:
        reason = str(exc).splitlines()[0]
        raise InputError(
            f"{path}:{number}: {redact_url(spec)!r} is not a valid requirement ({reason}): "
            "write it as name[extras]==version ; markers"
        ) from None
    return spec


def read_requirements(path: str | Path) -> RequirementsInput:
    root = Path(path)
    files: list[Path] = []
    index_args: list[str] = []
    lines: list[str] = []
    pins_hashed = True

    def visit(file: Path, stack: tuple[Path, ...], constraints: bool = False) -> None:
        nonlocal pins_hashed
        resolved = file.resolve()
        if resolved in stack:
            chain = " -> ".join(p.name for p in (*stack, resolved))
            raise InputError(f"requirements include loop: {chain}: remove one of the -r lines")
        text = _read_text(file, stack[-1] if stack else None)
        if resolved not in files:
            files.append(resolved)
        for number, line in logical_lines(text):
            if line.startswith("-"):
                opt, value = _split_option(line)
                if opt in INCLUDE_OPTIONS:
                    if not value:
                        raise InputError(f"{file}:{number}: {opt} needs a file name")
                    visit((file.parent / value).expanduser(), (*stack, resolved),
                          constraints or INCLUDE_OPTIONS[opt] == "constraint")
                elif opt in INDEX_OPTIONS:
                    index_args.append(INDEX_OPTIONS[opt])
                    if opt != "--no-index":
                        if not value:
                            raise InputError(f"{file}:{number}: {opt} needs a value")
                        index_args.append(value)
                elif opt in ("-e", "--editable"):
                    raise InputError(
                        f"{file}:{number}: editable requirements cannot go into a layer: "
                        "list the package without -e"
                    )
                elif opt not in OTHER_OPTIONS:
                    raise InputError(f"{file}:{number}: unknown option {opt!r} in a requirements file")
                continue
            spec = _check_requirement(line, file, number)
            if constraints:
                continue
            lines.append(spec)
            if not (re.match(r"^[A-Za-z0-9._-]+(\[[^\]]*\])?\s*==\s*[^,;\s]+", spec) and "--hash" in line):
                pins_hashed = False

    visit(root, ())
    if not lines:
        raise InputError(f"{root} lists no requirements: add at least one package")
    return RequirementsInput(
        path=root,
        files=tuple(files),
        index_args=tuple(index_args),
        requirement_lines=tuple(lines),
        all_hashed_pins=pins_hashed,
    )
