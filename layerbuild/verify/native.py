"""Native-code verification: will the binaries in a layer or function package load on the target?

For every ELF file (read with `measure/elf.py`, pyelftools): its machine matches the target's architecture;
the highest `GLIBC_x.y` symbol version it needs is at most the runtime's glibc; each `DT_NEEDED`
library is shipped in the package (or one of its layers) or present in the Lambda base image
(`facts/base_libraries.py`). macOS (Mach-O) and Windows (PE) binaries are reported too: Lambda cannot
load them. Works on any zip or folder (never imports build/), reading only file heads for most files.

`layerbuild build` runs the same check on the staged layer (native_build.py), with the settings of
`[tool.layerbuild.audit]`, and fails on what the audit calls an error: build and audit agree. A missing
library owned by a distribution with a known alternative (`known_breakers.NATIVE_ALTERNATIVES`:
opencv-python -> opencv-python-headless) names that alternative in both.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from layerbuild.audit.findings import Finding, finding
from layerbuild.errors import InputError
from layerbuild.facts.base_libraries import provided_libraries
from layerbuild.measure.elf import BinaryMemo, ElfInfo, is_elf, parse_elf_info, read_elf
from layerbuild.model.target import Target

# Files that are never binaries worth sniffing: skipping them keeps a 10,000-file layer fast.
_TEXT_SUFFIXES = frozenset(
    (
        ".py .pyi .pyc .pyx .pxd .pxi .txt .md .rst .json .typed .cfg .toml .yaml .yml .ini .html .htm .css .js "
        ".csv .pem .crt .h .hpp .c .cpp .cc .f .f90 .xml .svg .png .jpg .gif .ico .npy .npz .pkl .mo .po .sql "
        ".sh .bat .ps1 .csh .fish .jinja .j2 .tmpl .tpl .ttf .otf .woff .woff2 .gz .bz2 .xz .zip .tar"
    ).split()
)
_MACHO_MAGICS = (b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe")
_FAT_MAGIC = b"\xca\xfe\xba\xbe"  # also Java's .class magic: trusted only with a binary's name
HEAD_BYTES = 1024  # enough for the PE header offset of real DLLs


class PackageFiles:
    """Read files of a zip or a folder by their package path; a context manager."""

    def __init__(self, path: Path, prefix: str = "") -> None:
        self.path = path
        self.prefix = prefix  # a folder read as if its files sat under `prefix` (a staged layer: "python/")
        self._zip: zipfile.ZipFile | None = None

    def __enter__(self) -> PackageFiles:
        if not self.path.is_dir():
            try:
                self._zip = zipfile.ZipFile(self.path)
            except (zipfile.BadZipFile, OSError) as exc:
                raise InputError(f"{self.path} is not a readable zip ({exc}): rebuild or re-download it") from None
        return self

    def __exit__(self, *exc: object) -> None:
        if self._zip is not None:
            self._zip.close()

    def read(self, name: str, limit: int | None = None) -> bytes:
        try:
            if self._zip is not None:
                with self._zip.open(name) as fh:
                    return fh.read(limit) if limit is not None else fh.read()
            p = self.path / name.removeprefix(self.prefix)
            if p.is_symlink():
                return b""  # its target is checked under its own name
            with open(p, "rb") as fh:
                return fh.read(limit) if limit is not None else fh.read()
        except (zipfile.BadZipFile, KeyError, OSError) as exc:
            raise InputError(f"{self.path}: cannot read {name} ({exc}): the package is damaged") from None


def binary_kind(name: str, head: bytes) -> str | None:
    """'elf', 'macho' or 'pe' from a file's first bytes (and name, for the ambiguous fat magic)."""
    if is_elf(head):
        return "elf"
    if head[:4] in _MACHO_MAGICS:
        return "macho"
    if head[:4] == _FAT_MAGIC and not name.endswith(".class"):
        return "macho"
    if head[:2] == b"MZ" and len(head) >= 0x40:
        offset = int.from_bytes(head[0x3C:0x40], "little")
        if head[offset : offset + 4] == b"PE\0\0":
            return "pe"
    return None


def _is_extension_module_name(name: str) -> bool:
    # Python imports `x.cpython-311-x86_64-linux-gnu.so`, `x.abi3.so` and `x.so` on Linux.
    return name.endswith(".so")


def _candidates(names: Iterable[str]) -> list[str]:
    out = []
    for n in names:  # string work: this runs for every file of the layer (pathlib made it a quarter second)
        base = n.rstrip("/").rpartition("/")[2]
        dot = base.rfind(".")
        suffix = base[dot:].lower() if 0 < dot < len(base) - 1 else ""  # PurePosixPath(base).suffix
        if suffix in _TEXT_SUFFIXES or ".dist-info/" in n or n.endswith("/"):
            continue
        out.append(n)
    return out


def verify_native(
    files: PackageFiles,
    names: Iterable[str],
    target: Target | None,
    *,
    shipped: Iterable[str] = (),
    extra_provided: Iterable[str] = (),
    owner: dict[str, str] | None = None,
    digest_of: Callable[[str], bytes] | None = None,
) -> list[Finding]:
    """Findings (LB301-LB304) for the binaries among `names`.

    `shipped`: other file names the function will see (its layers' files): a library there is found.
    `extra_provided`: sonames the user says the runtime has. `owner`: path -> distribution, for messages.
    `digest_of`: a name's content sha256 known without reading it (a build's tree/digests.py): what was
    learnt of that content before is not read again (measure/elf.BinaryMemo).
    """
    names = list(names)
    owner = owner or {}
    available = {n.rstrip("/").rpartition("/")[2] for n in (*names, *shipped)}  # PurePosixPath(n).name
    available |= set(extra_provided)
    if target is not None:
        available |= provided_libraries(target.os, target.python_version)
    findings: list[Finding] = []
    memo = BinaryMemo() if digest_of is not None else None
    for name in _candidates(names):
        kind, info = _kind_and_elf(files, name, digest_of, memo)
        if kind is None:
            continue
        package = owner.get(name)
        if kind in ("macho", "pe"):
            platform = "macOS (Mach-O)" if kind == "macho" else "Windows (PE)"
            fatal = _is_extension_module_name(name)
            findings.append(
                finding(
                    "LB304",
                    f"{name} is a {platform} binary"
                    + (
                        ": named like a Linux extension module, so importing it fails on Lambda"
                        if fatal
                        else ": Lambda (Linux) cannot load it"
                    ),
                    file=name,
                    package=package,
                    severity="error" if fatal else None,
                )
            )
            continue
        if info is None:
            continue
        if target is not None and info.machine != target.machine:
            findings.append(
                finding(
                    "LB301",
                    f"{name} is built for {info.machine}; {target.runtime} on {target.arch} runs {target.machine} code",
                    file=name,
                    package=package,
                )
            )
            continue  # its glibc and libraries are moot on the wrong machine
        if target is not None and info.glibc_needed and info.glibc_needed > target.glibc:
            needed = "%d.%d" % info.glibc_needed
            findings.append(
                finding(
                    "LB302",
                    f"{name} needs GLIBC_{needed}; {target.runtime} ({target.os}) has glibc {target.glibc_str}",
                    file=name,
                    package=package,
                )
            )
        if target is not None:
            missing = [lib for lib in info.needed if "/" not in lib and lib not in available]
            if missing:
                findings.append(
                    finding(
                        "LB303",
                        f"{name} needs {', '.join(missing)}, which neither the package nor the "
                        f"{target.os} base image provides{alternative(package)}",
                        file=name,
                        package=package,
                    )
                )
    if memo is not None:
        memo.save()
    return findings


def _kind_and_elf(
    files: PackageFiles, name: str, digest_of: Callable[[str], bytes] | None, memo: BinaryMemo | None
) -> tuple[str | None, ElfInfo | None]:
    """binary_kind of a file and, for an ELF file, what read_elf finds; remembered by digest when known."""
    digest = None
    if digest_of is not None and memo is not None:
        try:
            digest = digest_of(name)
        except OSError:
            digest = None
    known = memo.get(digest) if memo is not None and digest is not None else None
    if known is not None:
        head_kind, info = known
    else:
        head = files.read(name, HEAD_BYTES)
        # the fat magic's kind depends on the name (binary_kind): remembered as the head's, judged here
        head_kind = "fat" if head[:4] == _FAT_MAGIC else binary_kind(name, head)
        # with a memo, the answer is remembered there, by the digest: read_elf's own cache (a sha256 of
        # the bytes and a file per library) would be a second copy
        parse = parse_elf_info if memo is not None and digest is not None else read_elf
        info = parse(files.read(name)) if head_kind == "elf" else None
        if memo is not None and digest is not None:
            memo.put(digest, head_kind, info)
    if head_kind == "fat":
        return binary_kind(name, _FAT_MAGIC), None
    return head_kind, info


def alternative(package: str | None) -> str:
    from layerbuild.facts.known_breakers import NATIVE_ALTERNATIVES

    alt = NATIVE_ALTERNATIVES.get(package or "")
    return f": use {alt.instead} instead of {alt.distribution} ({alt.why})" if alt else ""


def verify_package(path: Path, target: Target | None, **kwargs: Any) -> list[Finding]:
    """`verify_native` over every file of a zip or folder."""
    with PackageFiles(path) as files:
        if path.is_dir():
            names = sorted(p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file())
        else:
            names = [i.filename for i in files._zip.infolist() if not i.is_dir()]  # type: ignore[union-attr]
        return verify_native(files, names, target, **kwargs)
