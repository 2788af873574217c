"""Which packages go in which layer, for many functions at once, within Lambda's limits.

This module is the algorithm only: it takes each function's resolved, measured packages
(`FunctionNeeds`) and returns a `LayerPlan`. Resolving and measuring live in `plan_inputs.py`, so the
algorithm can be tested with synthetic sizes and benchmarked alone.

The rules:
- A package is shared only between functions that need the same version for the same runtime and
  architecture (the wheels differ otherwise). The same package at different versions is never
  shared; the plan lists it in `not_shared` with each function's pin.
- Shared packages are grouped by the exact set of functions that need them: every function of such a
  layer uses every package in it, so no function loads bytes it does not use.
- Packages only one function needs stay with that function: in its own layer, or — when it has no
  layer to spare — in the function's own package (`bundled`).
- A function may have at most 5 layers (its existing ones included). When grouping gives it more,
  it drops one layer at a time, whichever way adds the fewest bytes: its own packages move into its
  own package (free); it keeps a private copy, in its own package, of the shared layer it uses least
  (copied bytes; it loads nothing new); or two of its shared layers merge (bytes loaded by functions
  that do not use them; never a merge that gives a function two versions of one package or pushes it
  over 250 MB). A merge of layers with different functions always costs at least the smaller layer's
  size, so copying wins those and no function ever loads a byte it does not use; merges happen when
  copies leave two layers serving the same functions, at no cost.
- Every function ends up with each package of its closure exactly once, so a package's dependencies
  are always in a layer the function also has.
- A function whose code and dependencies alone exceed the unzipped limit cannot be planned: the plan
  fails naming it, its size and its biggest packages.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from layerbuild.errors import LayerbuildError
from layerbuild.facts.limits import MAX_DIRECT_UPLOAD_ZIPPED_BYTES, MAX_LAYERS_PER_FUNCTION, MAX_UNZIPPED_BYTES
from layerbuild.util.units import human_bytes

SCHEMA_VERSION = 1


class PlanError(LayerbuildError):
    """The functions cannot be given layers within Lambda's limits."""


@dataclass(frozen=True)
class Package:
    """One distribution at one version, with its measured size for the function's target."""

    name: str  # normalized
    version: str
    unzipped_bytes: int
    zipped_bytes: int

    @property
    def pin(self) -> str:
        return f"{self.name}=={self.version}"


@dataclass(frozen=True)
class FunctionNeeds:
    """A function's closure (runtime-provided packages already dropped) and what else counts toward limits."""

    name: str
    runtime: str
    arch: str
    packages: tuple[Package, ...]
    code_bytes: int = 0
    existing_layers: tuple[str, ...] = ()

    @property
    def target(self) -> tuple[str, str]:
        return (self.runtime, self.arch)

    @property
    def dependency_bytes(self) -> int:
        return sum(p.unzipped_bytes for p in self.packages)


@dataclass(frozen=True)
class PlannedLayer:
    name: str
    runtime: str
    arch: str
    kind: str  # "shared" or "function"
    packages: tuple[Package, ...]
    functions: tuple[str, ...]
    package_users: tuple[tuple[str, tuple[str, ...]], ...]  # package -> functions that need it
    why: str

    @property
    def unzipped_bytes(self) -> int:
        return sum(p.unzipped_bytes for p in self.packages)

    @property
    def zipped_bytes(self) -> int:
        return sum(p.zipped_bytes for p in self.packages)

    @property
    def needs_s3(self) -> bool:
        return self.zipped_bytes > MAX_DIRECT_UPLOAD_ZIPPED_BYTES


@dataclass(frozen=True)
class PlannedFunction:
    name: str
    runtime: str
    arch: str
    layers: tuple[str, ...]  # planned layers, in order
    existing_layers: tuple[str, ...]
    bundled: tuple[Package, ...]  # single-use packages that go into the function's own package
    code_bytes: int
    unzipped_bytes: int  # code + bundled + planned layers (existing layers' sizes are not known here)
    unused_bytes: int  # bytes of its layers it does not use (from merges)

    @property
    def layer_count(self) -> int:
        return len(self.layers) + len(self.existing_layers)


@dataclass(frozen=True)
class NotShared:
    package: str
    reason: str


@dataclass(frozen=True)
class LayerPlan:
    layers: tuple[PlannedLayer, ...]
    functions: tuple[PlannedFunction, ...]
    not_shared: tuple[NotShared, ...] = ()
    max_layers: int = MAX_LAYERS_PER_FUNCTION
    max_unzipped_bytes: int = MAX_UNZIPPED_BYTES

    def layer(self, name: str) -> PlannedLayer:
        return next(layer for layer in self.layers if layer.name == name)

    def function(self, name: str) -> PlannedFunction:
        return next(f for f in self.functions if f.name == name)

    def to_dict(self) -> dict:
        """The plan JSON (schema_version 1 of docs/architecture.md; fields are only ever added)."""
        return {
            "schema_version": SCHEMA_VERSION,
            "limits": {
                "layers_per_function": self.max_layers,
                "unzipped_bytes": self.max_unzipped_bytes,
                "direct_upload_zipped_bytes": MAX_DIRECT_UPLOAD_ZIPPED_BYTES,
            },
            "layers": [
                {
                    "name": layer.name,
                    "kind": layer.kind,
                    "runtime": layer.runtime,
                    "arch": layer.arch,
                    "packages": [p.name for p in layer.packages],
                    "pins": [p.pin for p in layer.packages],
                    "functions": list(layer.functions),
                    "package_users": {name: list(users) for name, users in layer.package_users},
                    "unzipped_bytes": layer.unzipped_bytes,
                    "zipped_bytes": layer.zipped_bytes,
                    "needs_s3": layer.needs_s3,
                    "why": layer.why,
                }
                for layer in self.layers
            ],
            "functions": [
                {
                    "name": f.name,
                    "runtime": f.runtime,
                    "arch": f.arch,
                    "layers": list(f.layers),
                    "existing_layers": list(f.existing_layers),
                    "layer_count": f.layer_count,
                    "bundled": [p.pin for p in f.bundled],
                    "code_bytes": f.code_bytes,
                    "unzipped_bytes": f.unzipped_bytes,
                    "unused_bytes": f.unused_bytes,
                }
                for f in self.functions
            ],
            "not_shared": [{"package": n.package, "reason": n.reason} for n in self.not_shared],
        }


# ---------------------------------------------------------------------------------------------
# The algorithm


@dataclass
class _Group:
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


def _check_fits(fn: FunctionNeeds, max_unzipped: int) -> None:
    total = fn.code_bytes + fn.dependency_bytes
    if total <= max_unzipped:
        return
    biggest = sorted(fn.packages, key=lambda p: (-p.unzipped_bytes, p.name))[:3]
    listed = ", ".join(f"{p.name} {human_bytes(p.unzipped_bytes)}" for p in biggest)
    raise PlanError(
        f"function {fn.name} needs {human_bytes(total)} unzipped ({total:,} bytes: "
        f"{human_bytes(fn.dependency_bytes)} of dependencies + {human_bytes(fn.code_bytes)} of code), over "
        f"Lambda's {max_unzipped:,}-byte limit; biggest packages: {listed}: split the function, drop "
        "packages, or use a container image"
    )


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


def _version_key(version: str) -> tuple:
    """Oldest first, as versions compare (10.0 after 9.0); anything unparsable after, by text."""
    from packaging.version import InvalidVersion, Version

    try:
        return (0, Version(version))
    except InvalidVersion:
        return (1, version)


def _merge_cost(a: _Group, b: _Group) -> int:
    """Bytes loaded by functions that do not use them, if `a` and `b` became one layer."""
    return a.size * len(b.users - a.users) + b.size * len(a.users - b.users)


def plan_layers(
    functions: Sequence[FunctionNeeds],
    *,
    max_layers: int = MAX_LAYERS_PER_FUNCTION,
    max_unzipped: int = MAX_UNZIPPED_BYTES,
    prefix: str = "",
) -> LayerPlan:
    """Assign every function's packages to shared layers, its own layer, or its own package."""
    names = [fn.name for fn in functions]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise PlanError(f"function {dupes[0]} is declared twice: give each function one entry")
    by_name = {fn.name: fn for fn in functions}
    for fn in functions:
        if len(fn.existing_layers) > max_layers:
            raise PlanError(
                f"function {fn.name} already has {len(fn.existing_layers)} layers, over Lambda's "
                f"{max_layers}: remove some of its existing layers"
            )
        _check_fits(fn, max_unzipped)

    # Who needs each (target, package, version).
    users: dict[tuple[tuple[str, str], str, str], set[str]] = defaultdict(set)
    package_of: dict[tuple[tuple[str, str], str, str], Package] = {}
    for fn in functions:
        for p in fn.packages:
            key = (fn.target, p.name, p.version)
            users[key].add(fn.name)
            package_of.setdefault(key, p)
    # Group by the exact set of functions: each such layer is fully used by each of its functions.
    grouped: dict[tuple[tuple[str, str], frozenset[str]], list[Package]] = defaultdict(list)
    for key, who in users.items():
        grouped[(key[0], frozenset(who))].append(package_of[key])
    shared: list[_Group] = []
    own: dict[str, list[Package]] = {}
    for (target, who), pkgs in grouped.items():
        pkgs.sort(key=lambda p: p.name)
        if len(who) == 1:
            own[next(iter(who))] = pkgs
        else:
            shared.append(_Group(target, who, pkgs))

    bundled: set[str] = set()
    extra: dict[str, int] = defaultdict(int)  # unused bytes each function carries
    versions = {fn.name: {p.name: p.version for p in fn.packages} for fn in functions}
    total = {fn.name: fn.code_bytes + fn.dependency_bytes for fn in functions}

    def layer_count(name: str) -> int:
        fn = by_name[name]
        mine = sum(1 for g in shared if name in g.users)
        return len(fn.existing_layers) + mine + (1 if own.get(name) and name not in bundled else 0)

    def conflicts(merged_pkgs: list[Package], who: frozenset[str]) -> bool:
        seen: dict[str, str] = {}
        for p in merged_pkgs:
            if seen.setdefault(p.name, p.version) != p.version:
                return True
        return any(versions[f].get(p.name, p.version) != p.version for f in who for p in merged_pkgs)

    def used_part(g: _Group, f: str) -> list[Package]:
        return [p for p in g.packages if versions[f].get(p.name) == p.version]

    def give_own(f: str, packages: list[Package], g: _Group) -> None:
        """`f` stops loading `g` and keeps the packages of it that it uses for itself."""
        extra[f] -= g.size - sum(p.unzipped_bytes for p in packages)
        total[f] -= g.size - sum(p.unzipped_bytes for p in packages)
        own.setdefault(f, []).extend(packages)
        own[f].sort(key=lambda p: p.name)

    count = {n: layer_count(n) for n in names}

    def next_over() -> str | None:
        worst = max(names, key=lambda n: (count[n], [-ord(c) for c in n]))  # most layers, then by name
        return worst if count[worst] > max_layers else None

    name = next_over()
    while name is not None:
        affected = {name}
        if own.get(name) and name not in bundled:
            bundled.add(name)  # its own packages cost nothing in its own package
        else:
            mine = [g for g in shared if name in g.users]
            # Two ways to drop one layer, each priced in bytes: keep a private copy of one shared layer's
            # packages (copied bytes; the function loads nothing new), or merge two of its shared layers
            # (bytes loaded by functions that do not use them). The cheapest wins; a copy on ties.
            best: tuple[int, int, int, int] | None = None
            for i, g in enumerate(mine):
                cost = sum(p.unzipped_bytes for p in used_part(g, name))
                if best is None or cost < best[0]:
                    best = (cost, 0, i, i)
            for i in range(len(mine)):
                for j in range(i + 1, len(mine)):
                    a, b = mine[i], mine[j]
                    if best is not None and a.users != b.users and min(a.size, b.size) >= best[0]:
                        continue  # unless both serve the same functions, a merge costs at least the smaller size
                    cost = _merge_cost(a, b)
                    if best is not None and cost >= best[0]:
                        continue
                    who = a.users | b.users
                    adds = {f: (a.size if f not in a.users else 0) + (b.size if f not in b.users else 0) for f in who}
                    if any(total[f] + adds[f] > max_unzipped for f in who):
                        continue
                    if conflicts(a.packages + b.packages, who):
                        continue
                    best = (cost, 1, i, j)
            if best is None:  # only existing layers left, and too many of them (checked above): unreachable
                raise PlanError(
                    f"function {name} would need {layer_count(name)} layers, over Lambda's {max_layers}: "
                    "remove some of its existing layers"
                )
            cost, kind, i, j = best
            if kind == 0:
                g = mine[i]
                bundled.add(name)  # the copy goes into its own package: a layer of its own would not help
                give_own(name, used_part(g, name), g)
                g.users = g.users - {name}
                g.copied_by.append(name)
                if len(g.users) == 1:  # the last user: its packages are now its own
                    (last,) = g.users
                    shared = [x for x in shared if x is not g]
                    give_own(last, used_part(g, last), g)
                    affected.add(last)
            else:
                a, b = mine[i], mine[j]
                who = a.users | b.users
                for f in who:
                    added = (a.size if f not in a.users else 0) + (b.size if f not in b.users else 0)
                    extra[f] += added
                    total[f] += added
                merged = _Group(
                    a.target,
                    who,
                    sorted(a.packages + b.packages, key=lambda p: p.name),
                    merged_from=(a.merged_from or [a.users]) + (b.merged_from or [b.users]),
                    copied_by=a.copied_by + b.copied_by,
                )
                merged.reason = f"merged to keep {name} within {max_layers} layers" + (
                    f"; adds {human_bytes(cost)} that some of its functions do not use" if cost else ""
                )
                shared = [g for g in shared if g is not a and g is not b] + [merged]
                affected |= who
        for f in affected:
            count[f] = layer_count(f)
        name = next_over()

    return _assemble(functions, shared, own, bundled, extra, users, max_layers, max_unzipped, prefix)


def _assemble(functions, shared, own, bundled, extra, users, max_layers, max_unzipped, prefix) -> LayerPlan:
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
        size = fn.code_bytes + fn.dependency_bytes + extra[fn.name]
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
                extra[fn.name],
            )
        )
    return LayerPlan(tuple(layers), tuple(planned), tuple(_not_shared(functions)), max_layers, max_unzipped)


def check_plan(plan: LayerPlan, functions: Sequence[FunctionNeeds]) -> list[str]:
    """Problems with a plan, as sentences (none for a good plan): every function sees each package of
    its closure exactly once and at its version, and stays within the layer and size limits."""
    problems = []
    layer_by_name = {layer.name: layer for layer in plan.layers}
    for fn in functions:
        pf = plan.function(fn.name)
        seen: dict[str, list[str]] = defaultdict(list)
        for layer_name in pf.layers:
            for p in layer_by_name[layer_name].packages:
                seen[p.name].append(p.version)
        for p in pf.bundled:
            seen[p.name].append(p.version)
        for p in fn.packages:
            if seen.get(p.name) != [p.version]:
                problems.append(f"{fn.name} sees {p.name} as {seen.get(p.name, [])}, needs [{p.version}]")
        for name, vs in seen.items():
            if len(vs) > 1:
                problems.append(f"{fn.name} gets {name} more than once: {vs}")
        if pf.layer_count > plan.max_layers:
            problems.append(f"{fn.name} has {pf.layer_count} layers")
        if pf.unzipped_bytes > plan.max_unzipped_bytes:
            problems.append(f"{fn.name} is {pf.unzipped_bytes} bytes")
    return problems
