"""Apply the slim rules (`slim_rules.py`) and the user's --keep/--drop patterns to an installed tree.

Every removal is recorded (`removal.Removal`: rule, owning distribution from RECORD, path, bytes),
and each distribution's RECORD is kept in step (`records.py`). Three things protect a file from a
rule: a `--keep PKG:GLOB` pattern, an entry of `known_breakers.KEEP_FILES`, and the import guard: a
module that stays and imports a module a rule would remove (`from numpy._core.tests._natype import
pd_NA`) keeps it, and the modules that one imports in turn. `--drop PKG:GLOB` is an explicit request:
it removes what it matches, guard or not (the import smoke test then says what broke).
`*.dist-info` folders are never touched.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from packaging.utils import canonicalize_name

from layerbuild.errors import InputError
from layerbuild.facts.known_breakers import KEEP_FILES, NEVER_STRIP, STUB_ONLY_PREFIXES, STUB_ONLY_SUFFIXES
from layerbuild.facts.slim_rules import PROFILES, SHARED_LIBRARY_MARKER, Rule, rules_for
from layerbuild.model.removals import Removal, SlimResult, remove_files
from layerbuild.tree.distributions import distributions_in_dir, owner_lookup
from layerbuild.tree.records import update_records

_EXTENSION_SUFFIXES = (".so", ".pyd")


@dataclass(frozen=True)
class PathPattern:
    """`PKG:GLOB` from --keep/--drop or the config: GLOB is relative to the layer's python/ folder.

    `*` stays within a folder, `**` spans folders, and a pattern that names a folder covers every
    file below it (`pandas:pandas/tests` is the same as `pandas:pandas/tests/**`). PKG `*` means any
    distribution.
    """

    distribution: str
    glob: str
    text: str  # as given, for messages and rule names

    @property
    def regex(self) -> re.Pattern[str]:
        return _glob_regex(self.glob)

    def matches(self, distribution: str, path: str) -> bool:
        return self.distribution in ("*", distribution) and self.regex.match(path) is not None


def _glob_regex(glob: str) -> re.Pattern[str]:
    out, i = [], 0
    while i < len(glob):
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif glob.startswith("**", i):
            out.append(".*")
            i += 2
        else:
            c = glob[i]
            out.append("[^/]*" if c == "*" else "[^/]" if c == "?" else re.escape(c))
            i += 1
    return re.compile("".join(out).rstrip("/") + r"(?:/.*)?\Z")


def parse_path_patterns(values: tuple[str, ...] | list[str], flag: str) -> tuple[PathPattern, ...]:
    """Parse `PKG:GLOB` values; a malformed one is an InputError naming the flag."""
    patterns = []
    for value in values:
        pkg, sep, glob = value.partition(":")
        glob = glob.strip()
        glob = glob[2:] if glob.startswith("./") else glob
        parts = PurePosixPath(glob).parts
        if not sep or not pkg.strip() or not glob or glob.startswith("/") or ".." in parts:
            raise InputError(
                f"{flag} {value!r} is not PKG:GLOB with a path inside the layer: "
                f"write e.g. {flag} numpy:numpy/_core/tests/**"
            )
        dist = pkg.strip() if pkg.strip() == "*" else canonicalize_name(pkg.strip())
        patterns.append(PathPattern(dist, glob, value))
    return tuple(patterns)


@dataclass(frozen=True)
class Kept:
    """A file a rule matched but the layer keeps, and why."""

    path: str
    rule: str
    reason: str


@dataclass(frozen=True)
class SlimOutcome:
    result: SlimResult
    kept: tuple[Kept, ...] = ()
    unused_drops: tuple[str, ...] = ()  # --drop patterns that matched nothing
    strip_skipped: int = 0  # shared libraries strip could not shrink safely


def module_of(path: str) -> str | None:
    """The dotted module name a file is imported as, or None when it is not importable."""
    parts = list(PurePosixPath(path).parts)
    name = parts[-1]
    if name.endswith(".py"):
        stem = name[:-3]
    elif name.endswith(".pyc") and "__pycache__" not in parts:
        stem = name[:-4]
    elif name.endswith(_EXTENSION_SUFFIXES):
        stem = name.split(".", 1)[0]
    else:
        return None
    parts = parts[:-1] + ([] if stem == "__init__" else [stem])
    if not parts or not all(p.isidentifier() for p in parts):
        return None
    return ".".join(parts)


def _tree_files(tree: Path) -> list[str]:
    """The tree's files outside `*.dist-info` (never slimmed)."""
    from layerbuild.zip.writer import tree_files

    return [f.arcname for f in tree_files(tree, skip_top=(".dist-info",))]


class _Matcher:
    """Which rule a file falls under, given what sits beside it in the tree."""

    def __init__(self, files: list[str]) -> None:
        self.files = set(files)
        self.extension_stems: dict[str, set[str]] = defaultdict(set)
        for f in files:
            p = PurePosixPath(f)
            if p.name.endswith(_EXTENSION_SUFFIXES):
                self.extension_stems[str(p.parent)].add(p.name.split(".", 1)[0])

    def match(self, rule: Rule, path: str, dist: str) -> str | None:
        """The word that matched (a folder or file name, for the import guard), or None."""
        p = PurePosixPath(path)
        word = None
        if rule.dir_names:
            for i, part in enumerate(p.parts[:-1]):
                if part in rule.dir_names:
                    if rule.condition == "not-a-package" and "/".join(p.parts[: i + 1]) + "/__init__.py" in self.files:
                        continue
                    word = part
                    break
        if word is None and p.name in rule.file_names:
            word = p.stem
        if word is None and rule.suffixes:
            if rule.action == "strip":
                hit = p.name.endswith(rule.suffixes) or SHARED_LIBRARY_MARKER in p.name
            else:
                hit = p.name.endswith(rule.suffixes)
            if hit and self._condition(rule, p, dist):
                word = p.stem
        return word

    def _condition(self, rule: Rule, p: PurePosixPath, dist: str) -> bool:
        if rule.condition is None:
            if rule.name == "type-stubs":
                return not (dist.endswith(STUB_ONLY_SUFFIXES) or dist.startswith(STUB_ONLY_PREFIXES))
            return True
        stem = p.name.split(".", 1)[0]
        if rule.condition == "source-exists":
            return str(p.parent / f"{stem}.py") in self.files
        if rule.condition == "next-to-extension":
            stems = self.extension_stems.get(str(p.parent), set())
            return stem in stems or stem.removesuffix("_api") in stems
        return True


def slim_tree(
    tree: Path,
    profile: str,
    *,
    keep: tuple[PathPattern, ...] = (),
    drop: tuple[PathPattern, ...] = (),
    strip_tool: str | None = None,
) -> SlimOutcome:
    """Remove what `profile`'s rules and `drop` match from `tree`; returns what was removed and kept."""
    if profile not in PROFILES:
        raise InputError(f"slim profile {profile!r} is not one of {', '.join(PROFILES)}")
    dists = distributions_in_dir(tree)
    owner_of = owner_lookup(dists)
    files = _tree_files(tree)
    rules = rules_for(profile)
    remove_rules = [r for r in rules if r.action == "remove"]
    matcher = _Matcher(files)
    known_keep = [PathPattern(b.distribution, b.glob, f"known breaker ({b.source})") for b in KEEP_FILES]

    # path -> (rule name, distribution, guard word or None when the guard does not apply)
    chosen: dict[str, tuple[str, str, str | None]] = {}
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

    for path, importer in _import_guard(tree, files, chosen).items():
        kept.append(Kept(path, chosen[path][0], f"imported by {importer}"))
        del chosen[path]

    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path, (rule_name, dist, _) in chosen.items():
        groups[(rule_name, dist)].append(path)
    removals: list[Removal] = []
    for (rule_name, dist), paths in sorted(groups.items()):
        removals += remove_files(tree, sorted(paths), rule_name, dist)

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
        stripped, skipped = _strip_all(tree, candidates, strip_tool, strip_rules[0].name)

    update_records(
        tree,
        dists,
        removed=[(r.distribution, r.path) for r in removals],
        changed=[(r.distribution, r.path) for r in stripped],
    )
    unused = tuple(d.text for d in drop if d.text not in used_drops)
    return SlimOutcome(
        SlimResult(tuple(removals + stripped)), tuple(sorted(kept, key=lambda k: k.path)), unused, skipped
    )


def kept_on_purpose(files: list[str], owner_of, read) -> dict[str, str]:
    """{path: why} for the files of a built layer that the `tests` rule matches and the build keeps on
    purpose: a known breaker (`known_breakers.KEEP_FILES`), a file a kept module imports (the import
    guard), the `__init__` of a kept file's package, and the bytecode of a kept file. `files` are paths
    relative to the layer's python/ folder, `owner_of(path)` names a file's distribution and
    `read(path) -> bytes` reads one. The audit uses this to report only what the build would remove."""
    from layerbuild.facts.slim_rules import RULES

    rule = next(r for r in RULES if r.name == "tests")
    matcher = _Matcher(files)
    known_keep = [PathPattern(b.distribution, b.glob, f"known breaker ({b.source})") for b in KEEP_FILES]
    chosen: dict[str, tuple[str, str, str | None]] = {}
    kept: dict[str, str] = {}
    for path in files:
        dist = owner_of(path)
        word = matcher.match(rule, path, dist)
        if word is None:
            continue
        source = path[:-1] if path.endswith(".pyc") and "__pycache__" not in path else path  # sourceless
        protector = next((k for k in known_keep if k.matches(dist, path) or k.matches(dist, source)), None)
        if protector is not None:
            kept[path] = protector.text
        else:
            chosen[path] = (rule.name, dist, word)
    kept.update(
        (path, f"imported by {importer}") for path, importer in _import_guard(None, files, chosen, read=read).items()
    )
    kept.update(_sourceless_guard(files, {p: v for p, v in chosen.items() if p not in kept}, kept, read))
    present = set(files)
    for path in list(kept):  # importing a.b.c imports the package a.b first
        parts = path.split("/")[:-1]
        while parts:
            for init in ("__init__.py", "__init__.pyc"):
                candidate = "/".join(parts + [init])
                if candidate in chosen and candidate not in kept:
                    kept[candidate] = f"the package of {path}"
            parts.pop()
    for path in files:  # dir/__pycache__/name.cpython-312.pyc is the bytecode of dir/name.py
        parts = path.split("/")
        if len(parts) >= 2 and parts[-2] == "__pycache__" and path not in kept:
            source = "/".join(parts[:-2] + [parts[-1].split(".", 1)[0] + ".py"])
            if source in kept and source in present:
                kept[path] = f"bytecode of {source}"
    return kept


# marshal's short ASCII strings (types z/Z, with or without FLAG_REF): a type byte, a length byte, the text.
_SHORT_ASCII = re.compile(rb"[\x5a\x7a\xda\xfa]")
_DOTTED = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*\Z")


def _names_in_pyc(data: bytes) -> set[str]:
    names = set()
    for m in _SHORT_ASCII.finditer(data):
        end = m.end()
        if end < len(data):
            text = data[end + 1 : end + 1 + data[end]]
            if len(text) == data[end] and _DOTTED.match(text):
                names.add(text.decode("ascii"))
    return names


def _sourceless_guard(files: list[str], chosen: dict, kept: dict[str, str], read) -> dict[str, str]:
    """The import guard for a sourceless layer (`--bytecode only`): a kept `.pyc` that holds a removed
    module's dotted name (an import's name sits in the code object as a string), absolute or relative
    to its package, keeps that module. Lenient on purpose: a string that merely looks like the name
    keeps the file too, so the audit may miss a test file but never reports one the layer needs."""
    removed = {m: p for p in chosen if (m := module_of(p))}
    if not removed:
        return {}
    rescued: dict[str, str] = {}
    queue = [f for f in files if f.endswith(".pyc") and "__pycache__" not in f and (f not in chosen or f in kept)]
    while queue:
        path = queue.pop()
        try:
            data = read(path)
        except (OSError, KeyError):
            continue
        module = module_of(path) or ""
        package = module if path.endswith("__init__.pyc") else module.rpartition(".")[0]
        for name in _names_in_pyc(data):
            for full in (name, f"{package}.{name}" if package else name):
                parts = full.split(".")
                for i in range(1, len(parts) + 1):
                    hit = removed.get(".".join(parts[:i]))
                    if hit and hit not in rescued and hit not in kept:
                        rescued[hit] = f"imported by {path}"
                        if hit.endswith(".pyc"):
                            queue.append(hit)
    return rescued


def strip_tool() -> str | None:
    """The `strip` binary, when this machine has one (binutils)."""
    return shutil.which("strip")


# --- the import guard --------------------------------------------------------------------------


def _import_guard(
    tree: Path | None, files: list[str], chosen: dict[str, tuple[str, str, str | None]], read=None
) -> dict[str, str]:
    """Files of `chosen` that a kept module imports (directly or through other rescued modules).

    Returns {rescued path: the importing file}. Only files of rules that carry a guard word (folder
    rules like tests/ and docs/) are considered; a kept module can only reach them through an import
    naming that word, so only kept sources containing one of the words are parsed.
    """
    removed_modules: dict[str, list[str]] = defaultdict(list)
    words: set[str] = set()
    for path, (_, _, word) in chosen.items():
        if word is None:
            continue
        module = module_of(path)
        if module:
            removed_modules[module].append(path)
            words.add(word)
    if not removed_modules:
        return {}
    pattern = re.compile(rb"\b(?:" + b"|".join(re.escape(w.encode()) for w in sorted(words)) + rb")\b")
    rescued: dict[str, str] = {}
    queue = [f for f in files if f.endswith(".py") and f not in chosen]
    forced: set[str] = set()  # rescued files: parsed whatever words they contain
    while queue:
        path = queue.pop()
        try:
            source = read(path) if read is not None else (tree / path).read_bytes()
        except OSError:
            continue
        if path not in forced and not (
            pattern.search(source)  # most files never name a guard word
            and any(pattern.search(m.group(0)) for m in _IMPORT_TEXT.finditer(source))
        ):
            continue
        module = module_of(path) or ""
        for name in _imported_names(source, module, path.endswith("__init__.py")):
            parts = name.split(".")
            for i in range(1, len(parts) + 1):
                for hit in removed_modules.get(".".join(parts[:i]), ()):
                    if hit in chosen and hit not in rescued:
                        rescued[hit] = path
                        if hit.endswith(".py"):
                            forced.add(hit)
                            queue.append(hit)
    return rescued


# The text of import statements and import_module()/__import__() calls: parsing a whole file (ast)
# only when one of them names a guard word keeps the guard fast on big trees (pandas: ~1,500 files).
_IMPORT_TEXT = re.compile(
    rb"^[ \t]*from[ \t]+[\w.]+[ \t]+import[ \t]*\([^)]*\)|^[ \t]*(?:from|import)[ \t][^\n]*"
    rb"|(?:import_module|__import__)\([^)]*\)",
    re.MULTILINE,
)
_IMPORT_LINE = re.compile(
    rb"^[ \t]*(?:from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+\(?([\w \t,*]+)|import[ \t]+([\w., \t]+))", re.MULTILINE
)


def _imported_names(source: bytes, module: str, is_package: bool) -> set[str]:
    """Absolute module names a source file imports, or may import (`from a import b`: a and a.b)."""
    package = module if is_package else module.rpartition(".")[0]

    def resolve(name: str | None, level: int) -> str | None:
        if level == 0:
            return name
        base = package.split(".") if package else []
        if level - 1 > len(base):
            return None
        base = base[: len(base) - (level - 1)]
        return ".".join(base + ([name] if name else [])) or None

    names: set[str] = set()
    try:
        parsed = ast.parse(source)
    except (SyntaxError, ValueError):
        # Syntax newer than the build machine's Python (the target may be newer): read import lines.
        for m in _IMPORT_LINE.finditer(source):
            if m.group(3):
                names.update(n.split()[0] for n in m.group(3).decode().split(",") if n.strip())
                continue
            raw = m.group(1).decode()
            base = resolve(raw.lstrip(".") or None, len(raw) - len(raw.lstrip(".")))
            if base:
                names.add(base)
                names.update(
                    f"{base}.{n.split()[0]}" for n in m.group(2).decode().split(",") if n.strip() and n.strip() != "*"
                )
        return names
    # Only statements can import, unless the file calls import_module()/__import__(): then every node.
    dynamic = b"import_module" in source or b"__import__" in source
    for node in ast.walk(parsed) if dynamic else _statements(parsed):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = resolve(node.module, node.level)
            if base:
                names.add(base)
                names.update(f"{base}.{a.name}" for a in node.names if a.name != "*")
        elif (
            isinstance(node, ast.Call)
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
            if called in ("import_module", "__import__"):
                target = node.args[0].value
                if target.startswith("."):
                    stripped = target.lstrip(".")
                    target = resolve(stripped or None, len(target) - len(stripped)) or ""
                if target:
                    names.add(target)
    return names


def _statements(module: ast.Module):
    """Every statement of a module, nested ones included, without visiting expressions (a fraction
    of ast.walk's nodes: the guard parses the biggest files of a layer)."""
    stack: list[ast.AST] = list(module.body)
    while stack:
        node = stack.pop()
        yield node
        for field in ("body", "orelse", "finalbody", "handlers", "cases"):
            children = getattr(node, field, None)
            if isinstance(children, list):
                stack.extend(children)


# --- strip --strip-debug -----------------------------------------------------------------------


def _strip_all(tree: Path, candidates: list[tuple[str, str]], tool: str, rule: str) -> tuple[list[Removal], int]:
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        saved = list(pool.map(lambda c: _strip_one(tree / c[0], tool), candidates))
    stripped = [Removal(rule, dist, path, n) for (path, dist), n in zip(candidates, saved) if n and n > 0]
    skipped = sum(1 for n in saved if n is None)
    return stripped, skipped


def _strip_one(path: Path, tool: str) -> int | None:
    """Bytes saved by stripping `path` in place; 0 when nothing to gain, None when unsafe or failed.

    The stripped copy replaces the original only if it is still an ELF file of the same machine that
    needs the same libraries and whose load segments pass the dynamic loader's alignment check.
    """
    from layerbuild.measure.elf import is_elf, load_segments_aligned, read_elf

    original = path.read_bytes()
    if not is_elf(original[:4]):
        return 0
    before = read_elf(original)
    # auditwheel-grafted code was rewritten by patchelf, which strip is known to break; a file whose
    # segments already fail the check is not one we can judge.
    if before is None or any(".libs" in p for p in before.runpath) or not load_segments_aligned(original):
        return None
    tmp = path.with_name(f".{path.name}.strip.tmp")
    try:
        proc = subprocess.run([tool, "--strip-debug", "-o", str(tmp), str(path)], capture_output=True, timeout=300)
        if proc.returncode != 0 or not tmp.is_file():
            return None
        data = tmp.read_bytes()
        if len(data) >= len(original):
            return 0
        after = read_elf(data)
        if (
            after is None
            or after.machine != before.machine
            or after.needed != before.needed
            or not load_segments_aligned(data)
        ):
            return None
        os.chmod(tmp, path.stat().st_mode & 0o7777)
        os.replace(tmp, path)
        return len(original) - len(data)
    except (OSError, subprocess.TimeoutExpired):
        return None
    finally:
        tmp.unlink(missing_ok=True)


# --- the build stage ---------------------------------------------------------------------------


def patterns_of(options) -> tuple[tuple[PathPattern, ...], tuple[PathPattern, ...]]:
    """(keep, drop) patterns of BuildOptions; malformed ones are InputErrors (exit 2) before any work."""
    return parse_path_patterns(options.keep, "--keep"), parse_path_patterns(options.drop, "--drop")


def slim_layer(tree: Path, options) -> SlimResult:
    """The build's slim stage: `options.slim`'s rules plus --keep/--drop, with progress and warnings."""
    from layerbuild.util.progress import step, warn

    keep, drop = patterns_of(options)
    if options.slim == "none" and not drop:
        return SlimResult()
    tool = strip_tool() if options.slim == "aggressive" else None
    with step(f"Slimming ({options.slim})"):
        outcome = slim_tree(tree, options.slim, keep=keep, drop=drop, strip_tool=tool)
    for text in outcome.unused_drops:
        warn(f"--drop {text} matched no file in the layer: check the package name and the path")
    if options.slim == "aggressive" and tool is None:
        warn("no `strip` binary here: shared libraries were not stripped (install binutils)")
    return outcome.result
