"""Read a requirements file the way pip does, to catch bad input early with one clear line.

uv does the real resolution; this module reads what pip reads and hands uv a normalized copy:
- decoded as pip decodes (a UTF-8, UTF-16 or UTF-32 byte-order mark; else UTF-8), CRLF or LF, so a
  file PowerShell's `>` wrote (UTF-16 LE with a BOM) works; uv itself reads only UTF-8;
- includes (`-r`, `-c`) followed relative to the file that names them, and flattened into the copy;
- local path packages (`./libs/common`, `name @ file:///…`, `-e ../shared`) rewritten to
  `name @ file:///abs` and built from source here (local_projects.py); `-e` becomes a regular install,
  because Lambda cannot use an editable install (one notice says so);
- pip's options honoured (`--pre`, `--no-binary`, `--only-binary`, `--prefer-binary`, per-line
  `--hash`) or refused with one line naming the option, never uv's parser message;
- the index options collected, which must reach every later `uv` call (and a build container) without
  ever being printed. They are passed on the command line, never written into the copy.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from layerbuild.errors import InputError
from layerbuild.resolve.local_projects import LocalProject, local_project, looks_local
from layerbuild.resolve.requirements_options import (
    ACCEPTED_OPTIONS,
    EDITABLE_OPTIONS,
    INCLUDE_OPTIONS,
    INDEX_OPTIONS,
    check_requirement,
    format_control_names,
    mutual_excludes,
    split_line_options,
    split_option,
)
from layerbuild.resolve.requirements_text import logical_lines, read_text
from layerbuild.util.redact import redact_url


@dataclass(frozen=True)
class RequirementsInput:
    """A requirements file and everything it includes."""

    path: Path
    files: tuple[Path, ...]
    index_args: tuple[str, ...]  # e.g. ("--index-url", "https://user:token@host/simple"): never print
    requirement_lines: tuple[str, ...]
    all_hashed_pins: bool  # every requirement is `name==version` with --hash: a lock already
    texts: tuple[str, ...] = ()  # each file of `files`, decoded
    uv_lines: tuple[str, ...] = ()  # requirements for uv: local paths rewritten, --hash kept
    uv_constraints: tuple[str, ...] = ()
    local: tuple[LocalProject, ...] = ()
    no_binary: frozenset[str] = frozenset()  # normalized names the file says to build from source
    only_binary: frozenset[str] = frozenset()  # names that must come as wheels; ":all:" for every package
    pre: bool = False
    refresh: bool = False  # --refresh: uv revalidates every cached index page (resolve/reuse.py)
    source: Path | None = None  # the manifest the user named (resolve/inputs: a folder's file, a pyproject, a lock)
    kind: str = (
        "requirements"  # its kind: requirements | pyproject | uv.lock | poetry.lock | Pipfile.lock | pylock.toml
    )
    _tmp: list[tempfile.TemporaryDirectory[str]] = field(default_factory=list, compare=False, repr=False)

    @property
    def source_builds(self) -> frozenset[str]:
        """Packages built from source whatever wheels exist: local projects (a local wheel file is installed
        as it is) and `--no-binary NAME`."""
        return frozenset(p.name for p in self.local if p.path.suffix != ".whl") | self.no_binary

    @property
    def resolver_args(self) -> tuple[str, ...]:
        """uv options for what the file asks of the resolution (uv ignores `--pre` in a file)."""
        return (("--prerelease", "allow") if self.pre else ()) + (("--refresh",) if self.refresh else ())

    def uv_requirements(self) -> Path:
        """The normalized UTF-8 copy uv reads (written once, removed when this object goes or at exit)."""
        if not self._tmp:
            tmp = tempfile.TemporaryDirectory(prefix="layerbuild-req-")
            folder = Path(tmp.name)
            lines = list(self.uv_lines)
            if self.uv_constraints:
                (folder / "constraints.txt").write_text("\n".join(self.uv_constraints) + "\n", encoding="utf-8")
                lines.insert(0, "-c constraints.txt")
            (folder / "requirements.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
            self._tmp.append(tmp)
        return Path(self._tmp[0].name) / "requirements.txt"

    def check_source_builds(self, names: set[str] | frozenset[str], where: str) -> None:
        """Refuse a build from source the file forbids with `--only-binary`."""
        forbidden = sorted(
            n for n in names if n not in self.source_builds and (":all:" in self.only_binary or n in self.only_binary)
        )
        if forbidden:
            option = "--only-binary :all:" if ":all:" in self.only_binary else f"--only-binary {forbidden[0]}"
            raise InputError(
                f"{', '.join(forbidden)} {'has' if len(forbidden) == 1 else 'have'} no wheel for "
                f"{where} and {self.path} says {option}: pick a version with a wheel, "
                "or drop the option to build from source"
            )


class _Reader:
    """Reads one requirements file and its includes into the fields of a `RequirementsInput`."""

    def __init__(self) -> None:
        self.files: list[Path] = []
        self.texts: list[str] = []
        self.index_args: list[str] = []
        self.lines: list[str] = []
        self.uv_lines: list[str] = []
        self.uv_constraints: list[str] = []
        self.local: dict[str, LocalProject] = {}
        self.no_binary: set[str] = set()
        self.only_binary: set[str] = set()
        self.pre = False
        self.pins_hashed = True
        self.notices: list[str] = []  # printed once the whole file is read: an error stays the only line

    def visit(self, file: Path, stack: tuple[Path, ...], constraints: bool = False) -> None:
        resolved = file.resolve()
        if resolved in stack:
            chain = " -> ".join(p.name for p in (*stack, resolved))
            raise InputError(f"requirements include loop: {chain}: remove one of the -r lines")
        text = read_text(file, stack[-1] if stack else None)
        if resolved not in self.files:
            self.files.append(resolved)
            self.texts.append(text)
        for number, line in logical_lines(text):
            where = f"{file}:{number}"
            editable = False
            if line.startswith("-"):
                opt, value = split_option(line)
                if opt in INCLUDE_OPTIONS:
                    if not value:
                        raise InputError(f"{where}: {opt} needs a file name")
                    self.visit(
                        (file.parent / value).expanduser(),
                        (*stack, resolved),
                        constraints or INCLUDE_OPTIONS[opt] == "constraint",
                    )
                    continue
                if opt in EDITABLE_OPTIONS:
                    if not value:
                        raise InputError(f"{where}: {opt} needs a path")
                    line, editable = value, True
                else:
                    self.option(opt, value, where)
                    continue
            self.requirement(line, editable, file, number, constraints)

    def option(self, opt: str, value: str, where: str) -> None:
        """A file-wide option line (not an include, not `-e`)."""
        if opt in INDEX_OPTIONS:
            self.index_args.append(INDEX_OPTIONS[opt])
            if opt != "--no-index":
                if not value:
                    raise InputError(f"{where}: {opt} needs a value")
                self.index_args.append(value)
        elif opt in ("--no-binary", "--only-binary"):
            names = format_control_names(value.split()[0] if value else "", opt, where)
            if opt == "--no-binary" and ":all:" in names:
                raise InputError(
                    f"{where}: --no-binary :all: would build every package from source: "
                    "name the packages to build (--no-binary NAME), or use --backend container"
                )
            chosen, other = (
                (self.no_binary, self.only_binary) if opt == "--no-binary" else (self.only_binary, self.no_binary)
            )
            mutual_excludes(names, chosen, other)
        elif opt == "--pre":
            self.pre = True
        elif opt not in ACCEPTED_OPTIONS:
            raise InputError(f"{where}: unknown option {opt!r} in a requirements file")

    def requirement(self, line: str, editable: bool, file: Path, number: int, constraints: bool) -> None:
        where = f"{file}:{number}"
        spec, line_options = split_line_options(line, where)
        if editable and not looks_local(spec):  # `-e git+https://…#egg=name`: a regular VCS install
            self.notices.append(
                f"layerbuild: {where}: -e {redact_url(spec)} is installed as a regular package "
                "(Lambda cannot use an editable install)"
            )
            editable = False
        if editable or looks_local(spec):
            project, uv_line = local_project(spec, file, where, editable)
            if editable and project.name not in self.local:
                self.notices.append(
                    f"layerbuild: {where}: -e {spec} is installed as a regular package "
                    "(Lambda cannot use an editable install)"
                )
            if not constraints:
                self.local[project.name] = project
            spec = uv_line
        else:
            spec = check_requirement(spec, file, number)
            uv_line = spec
        full = " ".join([uv_line, *line_options])
        if constraints:
            self.uv_constraints.append(full)
            return
        self.lines.append(spec)
        self.uv_lines.append(full)
        if not (re.match(r"^[A-Za-z0-9._-]+(\[[^\]]*\])?\s*==\s*[^,;\s]+", spec) and line_options):
            self.pins_hashed = False


def read_requirements(path: str | Path) -> RequirementsInput:
    root = Path(path)
    reader = _Reader()
    reader.visit(root, ())
    if not reader.lines:
        raise InputError(f"{root} lists no requirements: add at least one package")
    if reader.notices:
        from layerbuild.util.progress import note

        for line in reader.notices:
            note(line)
    return RequirementsInput(
        path=root,
        files=tuple(reader.files),
        index_args=tuple(reader.index_args),
        requirement_lines=tuple(reader.lines),
        all_hashed_pins=reader.pins_hashed,
        texts=tuple(reader.texts),
        uv_lines=tuple(reader.uv_lines),
        uv_constraints=tuple(reader.uv_constraints),
        local=tuple(reader.local.values()),
        no_binary=frozenset(reader.no_binary),
        only_binary=frozenset(reader.only_binary),
        pre=reader.pre,
    )
