"""Apply the slim rules (`slim_rules.py`) and the user's --keep/--drop patterns to an installed tree.

Every removal is recorded (`model.removals.Removal`: rule, owning distribution from RECORD, path,
bytes) by the tree index, which keeps each distribution's RECORD in step (`tree/records.py`). Three things protect a file from a
rule: a `--keep PKG:GLOB` pattern, an entry of `known_breakers.KEEP_FILES`, and the import guard: a
module that stays and imports a module a rule would remove (`from numpy._core.tests._natype import
pd_NA`) keeps it, and the modules that one imports in turn. `--drop PKG:GLOB` is an explicit request:
it removes what it matches, guard or not (the import smoke test then says what broke).
`*.dist-info` folders are never touched.
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass

from layerbuild.errors import InputError
from layerbuild.facts.known_breakers import KEEP_FILES, NEVER_STRIP
from layerbuild.facts.slim_rules import PROFILES, rules_for
from layerbuild.model.removals import Removal, Removals
from layerbuild.slim.guard import Chosen, import_guard
from layerbuild.slim.guard_memo import GuardMemo
from layerbuild.slim.match import Matcher
from layerbuild.slim.patterns import PathPattern
from layerbuild.slim.strip import strip_all, strip_tool
from layerbuild.tree.index import TreeIndex


@dataclass(frozen=True)
class Kept:
    """A file a rule matched but the layer keeps, and why."""

    path: str
    rule: str
    reason: str


@dataclass(frozen=True)
class SlimOutcome:
    result: Removals
    kept: tuple[Kept, ...] = ()
    unused_drops: tuple[str, ...] = ()  # --drop patterns that matched nothing
    strip_skipped: int = 0  # shared libraries strip could not shrink safely


def slim_tree(
    tree: TreeIndex,
    profile: str,
    *,
    keep: tuple[PathPattern, ...] = (),
    drop: tuple[PathPattern, ...] = (),
    strip_tool: str | None = None,
) -> SlimOutcome:
    """Remove what `profile`'s rules and `drop` match from `tree`; returns what was removed and kept."""
    if profile not in PROFILES:
        raise InputError(f"slim profile {profile!r} is not one of {', '.join(PROFILES)}")
    owner_of = tree.owner_of
    files = tree.paths(dist_info=False)
    rules = rules_for(profile)
    remove_rules = [r for r in rules if r.action == "remove"]
    matcher = Matcher(files)
    known_keep = [PathPattern(b.distribution, b.glob, f"known breaker ({b.source})") for b in KEEP_FILES]

    chosen: Chosen = {}
    kept: list[Kept] = []
    used_drops: set[str] = set()
    for path in files:
        dist = owner_of(path)
        dropped = next((d for d in drop if d.matches(dist, path)), None)
        if dropped is not None:
            chosen[path] = (f"drop {dropped.text}", dist, None)
            used_drops.add(dropped.text)
            continue
        for rule in remove_rules:
            word = matcher.match(rule, path, dist)
            if word is None:
                continue
            protector = next((k for k in (*keep, *known_keep) if k.matches(dist, path)), None)
            if protector is not None:
                why = protector.text if protector.text.startswith("known breaker") else f"--keep {protector.text}"
                kept.append(Kept(path, rule.name, why))
            else:
                chosen[path] = (rule.name, dist, word)
            break

    root = os.path.join(tree.root, "")
    memo = GuardMemo(lambda path: tree.digests.sha256(root + path))  # a rebuild parses only new files
    rescued = import_guard(tree.root, files, chosen, memo=memo)
    memo.save()
    for path, importer in rescued.items():
        kept.append(Kept(path, chosen[path][0], f"imported by {importer}"))
        del chosen[path]

    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path, (rule_name, dist, _) in chosen.items():
        groups[(rule_name, dist)].append(path)
    removals = tree.remove_groups(
        (sorted(paths), rule_name, dist) for (rule_name, dist), paths in sorted(groups.items())
    )

    stripped: list[Removal] = []
    skipped = 0
    strip_rules = [r for r in rules if r.action == "strip"]
    if strip_rules and strip_tool:
        candidates = []
        for path in files:
            if path in chosen:
                continue
            dist = owner_of(path)
            if matcher.match(strip_rules[0], path, dist) is None:
                continue
            if any(k.matches(dist, path) for k in keep) or any(
                PathPattern(b.distribution, b.glob, "").matches(dist, path) for b in NEVER_STRIP
            ):
                continue
            candidates.append((path, dist))
        stripped, skipped = strip_all(tree.root, candidates, strip_tool, strip_rules[0].name)
        tree.shrunk(stripped)

    tree.update_records(
        removed=[(r.distribution, r.path) for r in removals],
        changed=[(r.distribution, r.path) for r in stripped],
    )
    unused = tuple(d.text for d in drop if d.text not in used_drops)
    return SlimOutcome(Removals(tuple(removals + stripped)), tuple(sorted(kept, key=lambda k: k.path)), unused, skipped)


def slim_layer(tree: TreeIndex, profile: str, keep: tuple[PathPattern, ...], drop: tuple[PathPattern, ...]) -> Removals:
    """The build's slim stage: `profile`'s rules plus --keep/--drop, with progress and warnings."""
    from layerbuild.util.progress import step, warn

    if profile == "none" and not drop:
        return Removals()
    tool = strip_tool() if profile == "aggressive" else None
    with step(f"Slimming ({profile})"):
        outcome = slim_tree(tree, profile, keep=keep, drop=drop, strip_tool=tool)
    for text in outcome.unused_drops:
        warn(f"--drop {text} matched no file in the layer: check the package name and the path")
    if profile == "aggressive" and tool is None:
        warn("no `strip` binary here: shared libraries were not stripped (install binutils)")
    return outcome.result
