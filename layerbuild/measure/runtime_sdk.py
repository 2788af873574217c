"""Which packages of a layer replace what the runtime's own AWS SDK needs with a version it does not
accept (the facts: `facts/runtime_sdk.py`, with their sources and why a layer shadows the runtime).

Works on any layer, given as {distribution: version}: the build warns with it, the audit reports it
(LB403). Requirements of a runtime distribution the layer ships itself are skipped: the runtime's copy
of it is never imported, and the layer's own resolve already saw what the layer's SDK needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from layerbuild.facts.runtime_sdk import REQUIREMENTS, RUNTIME_SDK
from layerbuild.model.target import Target


@dataclass(frozen=True)
class Shadow:
    """A package of the layer that the runtime's SDK imports, at a version the SDK does not accept."""

    package: str
    version: str  # the layer's
    runtime: str
    needs: tuple[tuple[str, str, str], ...]  # (runtime distribution, its version, its declared range)

    @property
    def specifier(self) -> str:
        """Every declared range together: a version inside it satisfies each runtime distribution."""
        from packaging.specifiers import SpecifierSet

        return str(SpecifierSet(",".join(spec for _, _, spec in self.needs)))

    @property
    def message(self) -> str:
        return f"{self.package} {self.version} in the layer shadows the runtime's; " + "; ".join(
            f"{dist} {version} of {self.runtime} requires {self.package}{spec}" for dist, version, spec in self.needs
        )


def shadowed(layer: dict[str, str | None], target: Target) -> list[Shadow]:
    """Packages of `layer` ({name: version}) outside a range the runtime's SDK declares, for `target`:
    one Shadow per package, naming every runtime distribution whose range it misses. A runtime the
    facts do not know gives no findings (nothing to compare with)."""
    from packaging.requirements import Requirement
    from packaging.version import InvalidVersion, Version

    from layerbuild.facts.pep503 import canonicalize_name

    sdk = RUNTIME_SDK.get(target.runtime)
    if not sdk:
        return []
    shipped: dict[str, str | None] = {canonicalize_name(name): version for name, version in layer.items()}
    env = target.marker_environment()
    needs: dict[str, list[tuple[str, str, str]]] = {}
    for dist, dist_version in sorted(sdk.items()):
        if canonicalize_name(dist) in shipped:
            continue
        for text in REQUIREMENTS.get((dist, dist_version), ()):
            req = Requirement(text)
            if req.marker is not None and not req.marker.evaluate(env):
                continue
            name = canonicalize_name(req.name)
            version = shipped.get(name)
            if version is None:
                continue
            try:
                ok = req.specifier.contains(Version(version), prereleases=True)
            except InvalidVersion:
                continue  # not a version the SDK's pip could have compared either
            if not ok:
                needs.setdefault(name, []).append((dist, dist_version, str(req.specifier)))
    return [Shadow(name, str(shipped[name]), target.runtime, tuple(found)) for name, found in sorted(needs.items())]


def shadow_warnings(layer: dict[str, str | None], target: Target, memo: Path | None = None) -> list[str]:
    """The build's warning line for each Shadow of `layer`. `memo`: a file beside a build cache entry,
    whose layer and target never change, that keeps the lines (parsing the SDK's requirements imports
    packaging: 25 ms of an unchanged rebuild)."""
    import json

    if memo is not None:
        try:
            found = json.loads(memo.read_text())
            if isinstance(found, list) and all(isinstance(line, str) for line in found):
                return found
        except (OSError, ValueError):
            pass
    lines = [
        f"{s.message}: pin {s.package}{s.specifier} if the packages that need it allow, or ship boto3 and "
        "botocore in the layer (--keep-runtime-packages)"
        for s in shadowed(layer, target)
    ]
    if memo is not None:
        from layerbuild.util.atomic import keep_cache_text

        keep_cache_text(memo, json.dumps(lines))
    return lines
