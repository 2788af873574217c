"""Judging a failed import: the removal that caused it, a version clash, or an optional dependency.

`LayerFacts` is what the judgement needs to know about the layer: its distributions (from the build's
tree index), who owns which file, what each one requires on the target, and what the runtime provides.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement

from layerbuild.facts.pep503 import canonicalize_name
from layerbuild.facts.runtime_packages import RUNTIME_PROVIDED
from layerbuild.model.removals import Removal
from layerbuild.model.target import Target
from layerbuild.slim.match import module_of
from layerbuild.tree.distributions import Distribution, owner_lookup
from layerbuild.verify.results import Clash, ImportCheck


class LayerFacts:
    """What the judgement needs to know about the layer: its distributions, who owns which file."""

    def __init__(
        self, tree: Path, runtime_dists: Iterable[Distribution], dists: list[Distribution], target: Target
    ) -> None:
        self.tree = tree
        self.root = str(tree.resolve()) + "/"
        self.dists = {d.name: d for d in dists}
        self.owner_of = owner_lookup(dists)
        # The runtime provides its packages whether or not the layer dropped them (runtime_packages.py).
        self.provided = {t for d in (*dists, *runtime_dists) for t in d.top_level} | set(RUNTIME_PROVIDED)
        self.top_owner = {t: d.name for d in dists for t in d.top_level}
        self._requires = {d.name: _requirements(d, target) for d in dists}

    def required(self, dist: str) -> set[str]:
        """What `dist` requires unconditionally on the target (normalized names)."""
        return {canonicalize_name(r.name) for r, unconditional in self._requires.get(dist, ()) if unconditional}

    def requirement_on(self, dist: str, other: str) -> str | None:
        return next((str(r) for r, _ in self._requires.get(dist, ()) if canonicalize_name(r.name) == other), None)

    def load_through(self, module: str, dist: str, raw: dict[str, Any]) -> list[str]:
        """Modules to import before `module`, most likely first: top-level modules of the layer its
        error message names, then those of the distributions that require `dist` (in any extra)."""
        own = module.split(".")[0]
        text = str(raw.get("message", ""))
        named = [
            t for t in sorted(self.top_owner) if t != own and re.search(rf"(?<![\w.]){re.escape(t)}(?![\w])", text)
        ]
        dependents = [
            t
            for d, reqs in sorted(self._requires.items())
            if d != dist and any(canonicalize_name(r.name) == dist for r, _ in reqs)
            for t in self.dists[d].top_level
        ]
        out: list[str] = []
        for t in named + dependents:
            if t != own and t not in out:
                out.append(t)
        return out

    def file_of(self, module: str, path: str | None = None) -> str | None:
        """The layer-relative file of `module`, or of its nearest parent that is a module or a regular
        package (a namespace folder may be shared by several distributions, so it names no owner)."""
        if path and path.startswith(self.root):
            return path[len(self.root) :]
        parts = module.split(".")
        while parts:
            base = "/".join(parts)
            for rel in (f"{base}/__init__.py", f"{base}/__init__.pyc", f"{base}.py", f"{base}.pyc"):
                if (self.tree / rel).is_file():
                    return rel
            ext = sorted((self.tree / base).parent.glob(f"{parts[-1]}.*so"))
            if ext:
                return ext[0].relative_to(self.tree).as_posix()
            parts.pop()
        return None

    def clash(self, raw: dict[str, Any]) -> Clash | None:
        """The two distributions of a version clash behind `raw`, or None."""
        kind = raw.get("type")
        message = str(raw.get("message", ""))
        name = None
        if kind == "ImportError":
            m = _CANNOT_IMPORT.search(message)
            if not m:
                return None
            name, module = m.group(1), m.group(2)
        elif kind == "ModuleNotFoundError" and "." in str(raw.get("name") or ""):
            module = str(raw["name"])
        elif kind == "AttributeError":
            m = _NO_ATTRIBUTE.search(message)
            if not m:
                return None
            module, name = m.group(1), m.group(2)
        else:
            return None
        if module.split(".")[0] not in self.top_owner:
            return None
        importer_file = next(
            (
                f[len(self.root) :]
                for f in reversed(raw.get("frames") or [])
                if isinstance(f, str) and f.startswith(self.root)
            ),
            None,
        )
        provider_file = self.file_of(module, raw.get("path") if kind == "ImportError" else None)
        if importer_file is None or provider_file is None:
            return None
        importer, provider = self.owner_of(importer_file), self.owner_of(provider_file)
        if not importer or not provider or importer == provider:
            return None
        return Clash(
            importer,
            self.dists[importer].version if importer in self.dists else "?",
            provider,
            self.dists[provider].version if provider in self.dists else "?",
            module,
            name,
            self.requirement_on(importer, provider),
        )


def judge(module: str, dist: str, raw: dict[str, Any], removals: tuple[Removal, ...], layer: LayerFacts) -> ImportCheck:
    if raw.get("ok"):
        return ImportCheck(module, dist, True)
    root = layer.root
    message = str(raw.get("message", "")).replace(root, "")  # paths relative to the layer's python/
    error = f"{raw.get('type')}: {message}".strip().splitlines()[0][:300]
    found = culprits(raw, removals, root)
    if found:
        return ImportCheck(
            module,
            dist,
            False,
            error,
            tuple(sorted({r.rule for r in found})),
            tuple(sorted({r.path for r in found}))[:5],
        )
    clash = layer.clash(raw)
    if clash is not None:
        return ImportCheck(module, dist, False, error, clash=clash)
    missing = raw.get("name") if raw.get("type") == "ModuleNotFoundError" else None
    top = (missing or "").split(".")[0]
    # An optional dependency: nothing in the layer (or the runtime) provides it and the distribution
    # does not require it, so its authors import it inside try/except elsewhere or on some code path
    # the layer's user opted out of. Failing the build for it would fail correct layers.
    if top and top not in layer.provided and canonicalize_name(top) not in layer.required(dist):
        return ImportCheck(module, dist, False, error, optional=missing)
    return ImportCheck(module, dist, False, error)


_CANNOT_IMPORT = re.compile(r"cannot import name '(\w+)' from (?:partially initialized module )?'([\w.]+)'")
_NO_ATTRIBUTE = re.compile(r"(?:partially initialized )?module '([\w.]+)' has no attribute '(\w+)'")


def culprits(raw: dict[str, Any], removals: tuple[Removal, ...], root: str) -> list[Removal]:
    missing = raw.get("name") if raw.get("type") == "ModuleNotFoundError" else None
    if missing is None and raw.get("type") == "ImportError":
        # `from pkg import helper` with pkg/helper.py gone: "cannot import name 'helper' from 'pkg'".
        m = _CANNOT_IMPORT.search(raw.get("message", ""))
        missing = f"{m.group(2)}.{m.group(1)}" if m else None
    files = [f for f in (raw.get("filename"), raw.get("path")) if isinstance(f, str)]
    rels = [f[len(root) :] if f.startswith(root) else f for f in files]
    text = raw.get("text", "") + raw.get("message", "")
    found = []
    for r in removals:
        if missing:
            mod = module_of(r.path)
            if mod and (mod == missing or missing.startswith(mod + ".") or mod.startswith(missing + ".")):
                found.append(r)
                continue
        if any(rel == r.path or r.path.startswith(rel.rstrip("/") + "/") for rel in rels if rel):
            found.append(r)
            continue
        if r.path in text:
            found.append(r)
    return found


def _requirements(dist: Distribution, target: Target) -> list[tuple[Requirement, bool]]:
    """`dist`'s Requires-Dist, each with whether it applies unconditionally on the target (an extra's
    requirement does not: it is there only when someone asked for the extra)."""
    env = target.marker_environment()
    found = []
    for line in dist.requires_dist:
        try:
            req = Requirement(line)
        except InvalidRequirement:
            continue
        try:
            unconditional = req.marker is None or req.marker.evaluate(env)
        except Exception:  # noqa: BLE001 - a marker naming a variable packaging does not know
            unconditional = False
        found.append((req, unconditional))
    return found
