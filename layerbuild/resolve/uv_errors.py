"""What uv's failure output says: packages that have no usable wheel (resolved from source in the next
round), and the one line a user sees when a resolution cannot succeed (index refused, unknown package,
no wheel and no sdist, else uv's own first error)."""

from __future__ import annotations

import re

from layerbuild.errors import NoCompatibleWheelError, ResolutionError
from layerbuild.facts.pep503 import canonicalize_name
from layerbuild.model.target import Target
from layerbuild.resolve.requirements import RequirementsInput
from layerbuild.util.redact import redact
from layerbuild.util.uvtool import first_error_line

_NO_WHEEL = re.compile(
    r"(?:all versions of |only )?`?(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)`?(?:[<>=!~]=?[^\s,]*)?"
    r"\s+(?:has|have) no (?:usable wheels|wheels with a matching)"
)
_NO_SDIST = re.compile(
    r"(?:all versions of |only )?`?(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)`?(?:[<>=!~]=?[^\s,]*)?"
    r"\s+(?:has|have) no source distribution"
)


def next_from_source(stderr: str, from_source: set[str], excluded: dict[str, set[str]]) -> set[str]:
    """Packages uv says have no usable wheel (or whose every wheel-bearing version we excluded): they are
    resolved from their sdist in the next round."""
    new = {str(canonicalize_name(m["name"])) for m in _NO_WHEEL.finditer(stderr)} - from_source
    if not new:
        new = {n for n in excluded if re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", stderr, re.I)}
    return new


def explain_failure(
    stderr: str, reqs: RequirementsInput, target: Target, from_source: set[str], earlier: str = ""
) -> ResolutionError:
    """The error for a round that failed for good; `earlier` holds uv's output of the rounds before
    (its hints name the platforms that do have wheels)."""
    text = redact(stderr)
    # uv reports a package on an index that refused us as "not found"; its hint says why (URL redacted).
    refused = re.search(r"index URL \((?P<url>[^)]*)\) could not be queried due to (?P<why>[^\n]*?)\s*$", text, re.M)
    if refused:
        return ResolutionError(
            f"the index {refused['url']} refused the request ({refused['why'].rstrip('.')}): "
            "check the credentials in the index URL or netrc"
        )
    missing = re.search(
        r"`?([A-Za-z0-9][A-Za-z0-9._-]*)`? was not found in the (?:package registry|provided package locations)", text
    )
    if missing:
        return ResolutionError(
            f"unknown package {missing.group(1)!r}: no such project on the index (check the spelling in {reqs.path})"
        )
    for name in (canonicalize_name(m["name"]) for m in _NO_SDIST.finditer(text)):
        if name in from_source:
            hint = " ".join(
                line.strip()
                for line in redact(earlier + "\n" + stderr).splitlines()
                if f"`{name}`" in line and ("Wheels are available" in line or "only found wheels" in line)
            )
            hint = re.sub(r"^hint:\s*", "", hint).replace("hint: ", "")
            return NoCompatibleWheelError(
                f"{name} has no wheel for {target.runtime} {target.arch} (glibc ≤ {target.glibc_str}) "
                f"and no source distribution to build"
                + (f"; {hint.rstrip('.')}" if hint else "")
                + ": pick a version that supports the target, or try --backend container"
            )
    return ResolutionError(f"cannot resolve {reqs.path} for {target.runtime} {target.arch}: {first_error_line(stderr)}")
