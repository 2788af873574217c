"""pip's requirements-file options and requirement lines: which options are honoured, passed on or
refused, how an option line splits into option and value, and which per-line options and requirement
specs are valid. Each refusal is one line naming the file, line and option."""

from __future__ import annotations

import re
from pathlib import Path

from layerbuild.errors import InputError
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
_HASH = re.compile(r"(sha256:[0-9a-fA-F]{64}|sha384:[0-9a-fA-F]{96}|sha512:[0-9a-fA-F]{128})")


def split_option(line: str) -> tuple[str, str]:
    """`--index-url=URL`, `--index-url URL`, `-iURL` -> (option, value)."""
    if line.startswith("--"):
        if "=" in line.split()[0]:
            opt, _, value = line.partition("=")
            return opt, value.strip()
        opt, _, value = line.partition(" ")
        return opt, value.strip()
    opt, value = line[:2], line[2:].strip()
    return opt, value


def split_line_options(line: str, where: str) -> tuple[str, list[str]]:
    """`spec --hash=sha256:… --hash sha256:…` -> (spec, ["--hash=sha256:…", …]); other options refused."""
    parts = re.split(r"\s+(?=--?[A-Za-z])", " " + line)
    spec, options = parts[0].strip(), []
    for part in parts[1:]:
        opt, value = split_option(part.strip())
        if opt not in LINE_OPTIONS:
            raise InputError(
                f"{where}: per-requirement option {opt} is not supported (uv builds without pip's "
                f"setup.py options): remove {opt} from the line"
            )
        if not _HASH.fullmatch(value):
            raise InputError(
                f"{where}: {opt}={value[:80]} is not a hash pip accepts: write it as "
                "--hash=sha256:<64 hex digits> (`pip hash FILE` prints one)"
            )
        options.append(f"{opt}={value}")
    return spec, options


# A plain requirement (`name`, `name[extra]`, `name>=1.2,<2`, no marker, no URL) in a grammar that is a
# strict subset of PEP 508 as packaging reads it (tests/unit/resolve/test_plain_requirement.py checks
# that packaging accepts whatever this matches): such a line needs no packaging import (25 ms of an
# unchanged rebuild). Anything else is parsed by packaging, for its error message.
_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"
_RELEASE = r"[0-9]+(?:\.[0-9]+)*"
_SUFFIXES = r"(?:(?:a|b|rc)[0-9]+)?(?:\.post[0-9]+)?(?:\.dev[0-9]+)?"
_CLAUSE = (
    rf"(?:(?:==|!=)\s*{_RELEASE}(?:\.\*|{_SUFFIXES})"
    rf"|(?:<=|>=|<|>)\s*{_RELEASE}{_SUFFIXES}"
    rf"|~=\s*[0-9]+(?:\.[0-9]+)+{_SUFFIXES})"
)
PLAIN_REQUIREMENT = re.compile(
    rf"{_NAME}(?:\s*\[\s*{_NAME}(?:\s*,\s*{_NAME})*\s*\])?(?:\s*{_CLAUSE}(?:\s*,\s*{_CLAUSE})*)?\s*"
)


def check_requirement(spec: str, path: Path, number: int) -> str:
    """`spec` when it is a valid PEP 508 requirement (or a URL uv checks), else one line saying how."""
    if PLAIN_REQUIREMENT.fullmatch(spec):
        return spec
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


def format_control_names(value: str, opt: str, where: str) -> list[str]:
    """pip's `--no-binary`/`--only-binary` value: comma-separated names, `:all:` or `:none:`."""
    if not value:
        raise InputError(f"{where}: {opt} needs a value (package names, :all: or :none:)")
    names = [v.strip() for v in value.split(",") if v.strip()]
    from layerbuild.facts.pep503 import canonicalize_name

    return [n if n in (":all:", ":none:") else canonicalize_name(n) for n in names]


def mutual_excludes(names: list[str], target: set[str], other: set[str]) -> None:
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
