"""Which packages go in which layer, for many functions at once, within Lambda's limits.

This module is the algorithm only: it takes each function's resolved, measured packages
(`FunctionNeeds`) and returns a `LayerPlan` (`plan/model.py`). Resolving and measuring live in
`plan/inputs.py` and `plan/sizes.py`, so the algorithm can be tested with synthetic sizes and
benchmarked alone; naming the layers and explaining them is `plan/assemble.py`.

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
from collections.abc import Sequence
from dataclasses import dataclass, field

from layerbuild.facts.limits import MAX_LAYERS_PER_FUNCTION, MAX_UNZIPPED_BYTES
from layerbuild.plan.assemble import Group, Users, assemble
from layerbuild.plan.model import FunctionNeeds, LayerPlan, Package, PlanError
from layerbuild.util.units import human_bytes


@dataclass
class _State:
    """Where every package is while functions drop layers: shared groups, each function's own packages."""

    functions: dict[str, FunctionNeeds]  # by name, in the order given
    max_layers: int
    max_unzipped: int
    shared: list[Group]
    own: dict[str, list[Package]]  # single-use packages: a layer of the function's own, or bundled
    users: Users
    bundled: set[str] = field(default_factory=set)  # functions whose own packages go in their package
    extra: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # unused bytes each carries
    total: dict[str, int] = field(default_factory=dict)  # unzipped bytes each function loads
    count: dict[str, int] = field(default_factory=dict)  # layers each function has
    versions: dict[str, dict[str, str]] = field(default_factory=dict)  # function -> {package: version}

    def __post_init__(self) -> None:
        self.total = {n: fn.code_bytes + fn.dependency_bytes for n, fn in self.functions.items()}
        self.versions = {n: {p.name: p.version for p in fn.packages} for n, fn in self.functions.items()}
        self.count = {n: self.layer_count(n) for n in self.functions}

    def layer_count(self, name: str) -> int:
        mine = sum(1 for g in self.shared if name in g.users)
        own = 1 if self.own.get(name) and name not in self.bundled else 0
        return len(self.functions[name].existing_layers) + mine + own

    def used_part(self, g: Group, f: str) -> list[Package]:
        """The packages of `g` that `f` needs (at their version)."""
        return [p for p in g.packages if self.versions[f].get(p.name) == p.version]

    def conflicts(self, packages: list[Package], who: frozenset[str]) -> bool:
        """Would one layer of `packages` hold two versions of a package, or another than one of `who` needs?"""
        seen: dict[str, str] = {}
        for p in packages:
            if seen.setdefault(p.name, p.version) != p.version:
                return True
        return any(self.versions[f].get(p.name, p.version) != p.version for f in who for p in packages)

    def give_own(self, f: str, packages: list[Package], g: Group) -> None:
        """`f` stops loading `g` and keeps the packages of it that it uses for itself."""
        dropped = g.size - sum(p.unzipped_bytes for p in packages)
        self.extra[f] -= dropped
        self.total[f] -= dropped
        self.own.setdefault(f, []).extend(packages)
        self.own[f].sort(key=lambda p: p.name)

    def next_over(self) -> str | None:
        """The function with the most layers (then by name), if it has too many."""
        worst = max(self.functions, key=lambda n: (self.count[n], [-ord(c) for c in n]))
        return worst if self.count[worst] > self.max_layers else None


def _check_input(functions: Sequence[FunctionNeeds], max_layers: int, max_unzipped: int) -> None:
    names = [fn.name for fn in functions]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise PlanError(f"function {dupes[0]} is declared twice: give each function one entry")
    for fn in functions:
        if len(fn.existing_layers) > max_layers:
            raise PlanError(
                f"function {fn.name} already has {len(fn.existing_layers)} layers, over Lambda's "
                f"{max_layers}: remove some of its existing layers"
            )
        _check_fits(fn, max_unzipped)


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


def _group(functions: Sequence[FunctionNeeds]) -> tuple[Users, list[Group], dict[str, list[Package]]]:
    """Who needs each (target, package, version); packages grouped by the exact set of functions needing
    them (each such layer is fully used by each of its functions); groups of one function are its own."""
    users: Users = defaultdict(set)
    package_of: dict[tuple[tuple[str, str], str, str], Package] = {}
    for fn in functions:
        for p in fn.packages:
            key = (fn.target, p.name, p.version)
            users[key].add(fn.name)
            package_of.setdefault(key, p)
    grouped: dict[tuple[tuple[str, str], frozenset[str]], list[Package]] = defaultdict(list)
    for key, who in users.items():
        grouped[(key[0], frozenset(who))].append(package_of[key])
    shared: list[Group] = []
    own: dict[str, list[Package]] = {}
    for (target, needed_by), pkgs in grouped.items():
        pkgs.sort(key=lambda p: p.name)
        if len(needed_by) == 1:
            own[next(iter(needed_by))] = pkgs
        else:
            shared.append(Group(target, needed_by, pkgs))
    return users, shared, own


def _merge_cost(a: Group, b: Group) -> int:
    """Bytes loaded by functions that do not use them, if `a` and `b` became one layer."""
    return a.size * len(b.users - a.users) + b.size * len(a.users - b.users)


def _added(a: Group, b: Group, f: str) -> int:
    """Bytes `f` would load, unused, if `a` and `b` merged."""
    return (a.size if f not in a.users else 0) + (b.size if f not in b.users else 0)


def _cheapest_move(state: _State, name: str, mine: list[Group]) -> tuple[int, int, int, int] | None:
    """(cost, 0 = copy / 1 = merge, i, j) over `name`'s shared layers `mine`: a private copy of one
    (copied bytes; it loads nothing new) or a merge of two (bytes loaded by functions that do not use
    them). The cheapest wins; a copy on ties."""
    best: tuple[int, int, int, int] | None = None
    for i, g in enumerate(mine):
        cost = sum(p.unzipped_bytes for p in state.used_part(g, name))
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
            if any(state.total[f] + _added(a, b, f) > state.max_unzipped for f in who):
                continue
            if state.conflicts(a.packages + b.packages, who):
                continue
            best = (cost, 1, i, j)
    return best


def _copy(state: _State, name: str, g: Group) -> set[str]:
    """`name` keeps its own copy of `g` in its package; returns the functions whose layers changed."""
    affected = {name}
    state.bundled.add(name)  # the copy goes into its own package: a layer of its own would not help
    state.give_own(name, state.used_part(g, name), g)
    g.users = g.users - {name}
    g.copied_by.append(name)
    if len(g.users) == 1:  # the last user: its packages are now its own
        (last,) = g.users
        state.shared = [x for x in state.shared if x is not g]
        state.give_own(last, state.used_part(g, last), g)
        affected.add(last)
    return affected


def _merge(state: _State, name: str, a: Group, b: Group, cost: int) -> set[str]:
    """`a` and `b` become one layer to keep `name` within the limit; returns the functions affected."""
    who = a.users | b.users
    for f in who:
        state.extra[f] += _added(a, b, f)
        state.total[f] += _added(a, b, f)
    merged = Group(
        a.target,
        who,
        sorted(a.packages + b.packages, key=lambda p: p.name),
        merged_from=(a.merged_from or [a.users]) + (b.merged_from or [b.users]),
        copied_by=a.copied_by + b.copied_by,
    )
    merged.reason = f"merged to keep {name} within {state.max_layers} layers" + (
        f"; adds {human_bytes(cost)} that some of its functions do not use" if cost else ""
    )
    state.shared = [g for g in state.shared if g is not a and g is not b] + [merged]
    return set(who)


def _drop_one_layer(state: _State, name: str) -> set[str]:
    """`name` loses one layer the cheapest way; returns the functions whose layer count may have changed."""
    if state.own.get(name) and name not in state.bundled:
        state.bundled.add(name)  # its own packages cost nothing in its own package
        return {name}
    mine = [g for g in state.shared if name in g.users]
    best = _cheapest_move(state, name, mine)
    if best is None:  # only existing layers left, and too many of them (checked first): unreachable
        raise PlanError(
            f"function {name} would need {state.layer_count(name)} layers, over Lambda's {state.max_layers}: "
            "remove some of its existing layers"
        )
    cost, kind, i, j = best
    return _copy(state, name, mine[i]) if kind == 0 else _merge(state, name, mine[i], mine[j], cost) | {name}


def plan_layers(
    functions: Sequence[FunctionNeeds],
    *,
    max_layers: int = MAX_LAYERS_PER_FUNCTION,
    max_unzipped: int = MAX_UNZIPPED_BYTES,
    prefix: str = "",
) -> LayerPlan:
    """Assign every function's packages to shared layers, its own layer, or its own package."""
    _check_input(functions, max_layers, max_unzipped)
    users, shared, own = _group(functions)
    state = _State({fn.name: fn for fn in functions}, max_layers, max_unzipped, shared, own, users)
    name = state.next_over()
    while name is not None:
        for f in _drop_one_layer(state, name):
            state.count[f] = state.layer_count(f)
        name = state.next_over()
    return assemble(
        functions, state.shared, state.own, state.bundled, state.extra, users, max_layers, max_unzipped, prefix
    )
