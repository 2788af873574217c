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

import codecs
import hashlib
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from layerbuild.errors import InputError
from layerbuild.resolve.local_projects import LocalProject, local_project, looks_local, normalize
from layerbuild.util.redact import redact_url

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
INCLUDE_OPTIONS = {
    "-r": "requirement",
    "--requirement": "requirement",
    "-c": "constraint",
    "--constraint": "constraint",
}
EDITABLE_OPTIONS = ("-e", "--editable")
# Options pip accepts in a requirements file that need nothing from us: layerbuild already prefers
# wheels (--prefer-binary), the installer checks hashes whenever every pin has one (--require-hashes),
# and pip features are pip's (--use-feature).
ACCEPTED_OPTIONS = {"--prefer-binary", "--require-hashes", "--use-feature"}
# The only per-requirement option uv and the lock carry; pip's others change how setup.py runs.
LINE_OPTIONS = {"--hash"}

_MAX_BYTES = 5_000_000
# pip's auto_decode: a byte-order mark names the encoding (pip/_internal/utils/encoding.py).
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


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
    _tmp: list = field(default_factory=list, compare=False, repr=False)

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

    @property
    def source_builds(self) -> frozenset[str]:
        """Packages built from source whatever wheels exist: local projects and `--no-binary NAME`."""
        return frozenset(p.name for p in self.local) | self.no_binary

    @property
    def resolver_args(self) -> tuple[str, ...]:
        """uv options for what the file asks of the resolution (uv ignores `--pre` in a file)."""
        return ("--prerelease", "allow") if self.pre else ()

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
    return decode(data, path, where)


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


def _split_line_options(line: str, where: str) -> tuple[str, list[str]]:
    """`spec --hash=sha256:… --hash sha256:…` -> (spec, ["--hash=sha256:…", …]); other options refused."""
    parts = re.split(r"\s+(?=--?[A-Za-z])", " " + line)
    spec, options = parts[0].strip(), []
    for part in parts[1:]:
        opt, value = _split_option(part.strip())
        if opt not in LINE_OPTIONS:
            raise InputError(
                f"{where}: per-requirement option {opt} is not supported (uv builds without pip's "
                f"setup.py options): remove {opt} from the line"
            )
        if not re.fullmatch(r"(sha256:[0-9a-fA-F]{64}|sha384:[0-9a-fA-F]{96}|sha512:[0-9a-fA-F]{128})", value):
            raise InputError(
                f"{where}: {opt}={value[:80]} is not a hash pip accepts: write it as "
                "--hash=sha256:<64 hex digits> (`pip hash FILE` prints one)"
            )
        options.append(f"{opt}={value}")
    return spec, options


def _check_requirement(spec: str, path: Path, number: int) -> str:
    from packaging.requirements import InvalidRequirement, Requirement

    if "://" in spec.split(";")[0] and "@" not in spec.split(";")[0].split("://")[0]:
        return spec  # a URL to a wheel, sdist or VCS: uv checks it
    try:
        Requirement(spec)
    except InvalidRequirement as exc:
        reason = str(exc).splitlines()[0]
        raise InputError(
            f"{path}:{number}: {redact_url(spec)!r} is not a valid requirement ({reason}): "
            "write it as name[extras]==version ; markers"
        ) from None
    return spec


def _names(value: str, opt: str, where: str) -> list[str]:
    """pip's `--no-binary`/`--only-binary` value: comma-separated names, `:all:` or `:none:`."""
    if not value:
        raise InputError(f"{where}: {opt} needs a value (package names, :all: or :none:)")
    names = [v.strip() for v in value.split(",") if v.strip()]
    return [n if n in (":all:", ":none:") else normalize(n) for n in names]


def _mutual_excludes(names: list[str], target: set[str], other: set[str]) -> None:
    """pip's FormatControl.handle_mutual_excludes: `:all:` clears both sets, `:none:` clears this one,
    a name moves from the other set to this one (pip/_internal/models/format_control.py)."""
    for name in names:
        if name == ":all:":
            other.clear()
            target.clear()
            target.add(":all:")
        elif name == ":none:":
            target.clear()
        else:
            other.discard(name)
            target.add(name)


def read_requirements(path: str | Path) -> RequirementsInput:
    root = Path(path)
    files: list[Path] = []
    texts: list[str] = []
    index_args: list[str] = []
    lines: list[str] = []
    uv_lines: list[str] = []
    uv_constraints: list[str] = []
    local: dict[str, LocalProject] = {}
    no_binary: set[str] = set()
    only_binary: set[str] = set()
    pre = False
    pins_hashed = True
    notices: list[str] = []  # printed once the whole file is read: an error stays the only line

    def visit(file: Path, stack: tuple[Path, ...], constraints: bool = False) -> None:
        nonlocal pins_hashed, pre
        resolved = file.resolve()
        if resolved in stack:
            chain = " -> ".join(p.name for p in (*stack, resolved))
            raise InputError(f"requirements include loop: {chain}: remove one of the -r lines")
        text = _read_text(file, stack[-1] if stack else None)
        if resolved not in files:
            files.append(resolved)
            texts.append(text)
        for number, line in logical_lines(text):
            where = f"{file}:{number}"
            editable = False
            if line.startswith("-"):
                opt, value = _split_option(line)
                if opt in INCLUDE_OPTIONS:
                    if not value:
                        raise InputError(f"{where}: {opt} needs a file name")
                    visit(
                        (file.parent / value).expanduser(),
                        (*stack, resolved),
                        constraints or INCLUDE_OPTIONS[opt] == "constraint",
                    )
                    continue
                if opt in INDEX_OPTIONS:
                    index_args.append(INDEX_OPTIONS[opt])
                    if opt != "--no-index":
                        if not value:
                            raise InputError(f"{where}: {opt} needs a value")
                        index_args.append(value)
                    continue
                if opt in ("--no-binary", "--only-binary"):
                    names = _names(value.split()[0] if value else "", opt, where)
                    if opt == "--no-binary" and ":all:" in names:
                        raise InputError(
                            f"{where}: --no-binary :all: would build every package from source: "
                            "name the packages to build (--no-binary NAME), or use --backend container"
                        )
                    chosen, other = (no_binary, only_binary) if opt == "--no-binary" else (only_binary, no_binary)
                    _mutual_excludes(names, chosen, other)
                    continue
                if opt == "--pre":
                    pre = True
                    continue
                if opt in EDITABLE_OPTIONS:
                    if not value:
                        raise InputError(f"{where}: {opt} needs a path")
                    line, editable = value, True
                elif opt in ACCEPTED_OPTIONS:
                    continue
                else:
                    raise InputError(f"{where}: unknown option {opt!r} in a requirements file")
            spec, line_options = _split_line_options(line, where)
            if editable and not looks_local(spec):  # `-e git+https://…#egg=name`: a regular VCS install
                notices.append(
                    f"layerbuild: {where}: -e {redact_url(spec)} is installed as a regular package "
                    "(Lambda cannot use an editable install)"
                )
                editable = False
            if editable or looks_local(spec):
                project, uv_line = local_project(spec, file, where, editable)
                if editable and project.name not in local:
                    notices.append(
                        f"layerbuild: {where}: -e {spec} is installed as a regular package "
                        "(Lambda cannot use an editable install)"
                    )
                if not constraints:
                    local[project.name] = project
                spec = uv_line
            else:
                spec = _check_requirement(spec, file, number)
                uv_line = spec
            full = " ".join([uv_line, *line_options])
            if constraints:
                uv_constraints.append(full)
                continue
            lines.append(spec)
            uv_lines.append(full)
            if not (re.match(r"^[A-Za-z0-9._-]+(\[[^\]]*\])?\s*==\s*[^,;\s]+", spec) and line_options):
                pins_hashed = False

    visit(root, ())
    if not lines:
        raise InputError(f"{root} lists no requirements: add at least one package")
    if notices:
        from layerbuild.util.progress import note

        for line in notices:
            note(line)
    return RequirementsInput(
        path=root,
        files=tuple(files),
        index_args=tuple(index_args),
        requirement_lines=tuple(lines),
        all_hashed_pins=pins_hashed,
        texts=tuple(texts),
        uv_lines=tuple(uv_lines),
        uv_constraints=tuple(uv_constraints),
        local=tuple(local.values()),
        no_binary=frozenset(no_binary),
        only_binary=frozenset(only_binary),
        pre=pre,
    )
