"""From the algorithm's groups to a `LayerPlan`: shared layers named (biggest audiences first) and
explained, each function's own layer or bundle, and the packages that could not be shared and why."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from layerbuild.plan.model import FunctionNeeds, LayerPlan, NotShared, Package, PlannedFunction, PlannedLayer

# Who needs each (target, package, version).
Users = dict[tuple[tuple[str, str], str, str], set[str]]


@dataclass
class Group:
    """A would-be layer: packages of one target, and the functions that get it."""

    target: tuple[str, str]
    users: frozenset[str]
    packages: list[Package]
    merged_from: list[frozenset[str]] = field(default_factory=list)
    copied_by: list[str] = field(default_factory=list)  # functions that keep their own copy instead
    reason: str = ""

    size: int = 0  # unzipped bytes of `packages`, which never change once the group exists

    def __post_init__(self) -> None:
        self.size = sum(p.unzipped_bytes for p in self.packages)


def _names(functions: Iterable[str]) -> str:
    return ", ".join(sorted(functions))


def _not_shared(functions: Sequence[FunctionNeeds]) -> list[NotShared]:
    """Packages that two functions need but cannot share: other versions, or other targets."""
    seen: dict[str, dict[tuple[str, str, str], list[str]]] = defaultdict(lambda: defaultdict(list))
    for fn in functions:
        for p in fn.packages:
            seen[p.name][(p.version, fn.runtime, fn.arch)].append(fn.name)
    out = []
    for name in sorted(seen):
        variants = seen[name]
        if len(variants) < 2:
            continue
        several_targets = len({(r, a) for _, r, a in variants}) > 1  # then each pin says its target
        parts = []
        for (version, runtime, arch), users in sorted(variants.items(), key=lambda kv: (_version_key(kv[0][0]), kv[0])):
            verb = "pins" if len(users) == 1 else "pin"
            where = f" for {runtime} {arch}" if several_targets else ""
            parts.append(f"{_names(users)} {verb} {version}{where}")
        out.append(NotShared(name, ", ".join(parts)))
    return out


def _version_key(version: str) -> tuple[int, Any]:
    """Oldest first, as versions compare (10.0 after 9.0); anything unparsable after, by text."""
    from packaging.version import InvalidVersion, Version

    try:
        return (0, Version(version))
    except InvalidVersion:
        return (1, version)


def assemble(
    functions: Sequence[FunctionNeeds],
    shared: list[Group],
    own: Mapping[str, list[Package]],
    bundled: set[str],
    extra: Mapping[str, int],
    users: Users,
    max_layers: int,
    max_unzipped: int,
    prefix: str,
) -> LayerPlan:
    """The plan: shared layers (stable names, biggest audiences first), then each function's own."""
    # Stable names: biggest audiences first, then biggest layers.
    shared.sort(key=lambda g: (-len(g.users), -g.size, g.target, sorted(g.users), g.packages[0].name))
    layers: list[PlannedLayer] = []
    layers_of: dict[str, list[str]] = defaultdict(list)
    for number, g in enumerate(shared, 1):
        name = f"{prefix}shared-{number}"
        pkg_users = tuple((p.name, tuple(sorted(users[(g.target, p.name, p.version)]))) for p in g.packages)
        if g.merged_from:
            why = g.reason + " (groups: " + "; ".join(_names(u) for u in g.merged_from) + ")"
        else:
            why = f"every package here is needed by {_names(g.users)} and by no other function"
        if g.copied_by:
            why += (
                f"; {_names(g.copied_by)} {'keeps its' if len(g.copied_by) == 1 else 'keep their'} own copy "
                f"in {'its' if len(g.copied_by) == 1 else 'their'} package to stay within {max_layers} layers"
            )
        layers.append(
            PlannedLayer(
                name, g.target[0], g.target[1], "shared", tuple(g.packages), tuple(sorted(g.users)), pkg_users, why
            )
        )
        for f in g.users:
            layers_of[f].append(name)
    planned = []
    for fn in functions:
        mine = own.get(fn.name, [])
        bundle: tuple[Package, ...] = ()
        if mine and fn.name in bundled:
            bundle = tuple(mine)
        elif mine:
            name = f"{prefix}{fn.name}-deps"
            layers.append(
                PlannedLayer(
                    name,
                    fn.runtime,
                    fn.arch,
                    "function",
                    tuple(mine),
                    (fn.name,),
                    tuple((p.name, (fn.name,)) for p in mine),
                    f"needed only by {fn.name}",
                )
            )
            layers_of[fn.name].append(name)
        size = fn.code_bytes + fn.dependency_bytes + extra.get(fn.name, 0)
        planned.append(
            PlannedFunction(
                fn.name,
                fn.runtime,
                fn.arch,
                tuple(layers_of[fn.name]),
                fn.existing_layers,
                bundle,
                fn.code_bytes,
                size,
                extra.get(fn.name, 0),
            )
        )
    return LayerPlan(tuple(layers), tuple(planned), tuple(_not_shared(functions)), max_layers, max_unzipped)
