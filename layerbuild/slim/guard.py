"""The import guard: a module that stays and imports a file a rule would remove keeps that file.

For sources (`ast`, only files whose import statements name a removed folder) and, for sourceless
layers, for `.pyc` (an import's name sits in the code object as a string).
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

from layerbuild.slim.guard_memo import GuardMemo
from layerbuild.slim.match import module_of

# path -> (rule name, distribution, guard word or None when the guard does not apply)
Chosen = dict[str, tuple[str, str, "str | None"]]
Read = Callable[[str], bytes]


def import_guard(
    tree: Path | None,
    files: list[str],
    chosen: Chosen,
    read: Read | None = None,
    memo: GuardMemo | None = None,
) -> dict[str, str]:
    """Files of `chosen` that a kept module imports (directly or through other rescued modules).

    Returns {rescued path: the importing file}. Only files of rules that carry a guard word (folder
    rules like tests/ and docs/) are considered; a kept module can only reach them through an import
    naming that word with the removed module's top-level package (or relatively, from inside that
    package), so only kept sources with such an import are parsed (`from pandas.util._decorators import
    doc` does not reach numpy/doc/). `memo`: what earlier builds found in the same files (by content
    digest), so an unchanged file is not read again."""
    removed_modules: dict[str, list[str]] = defaultdict(list)
    # guard word -> the top-level packages of the removed modules it names (see the docstring)
    tops: dict[str, set[str]] = defaultdict(set)
    for path, (_, _, word) in chosen.items():
        if word is None:
            continue
        module = module_of(path)
        if module:
            removed_modules[module].append(path)
            tops[word].add(module.partition(".")[0])
    if not removed_modules:
        return {}
    words = sorted(tops)
    pattern = re.compile(rb"\b(?:" + b"|".join(re.escape(w.encode()) for w in words) + rb")\b")
    raw_words = [w.encode() for w in words]
    top_patterns = {
        w.encode(): (
            frozenset(tops[w]),
            re.compile(rb"\b(?:" + b"|".join(re.escape(t.encode()) for t in sorted(tops[w])) + rb")\b"),
        )
        for w in words
    }

    def names_removed(text: bytes, own_top: str) -> bool:
        """Whether the import text names a guard word where it can be a removed module's: with that
        module's top-level package in the text, or in a file of that package (a relative import)."""
        for found in pattern.findall(text):
            packages, named = top_patterns[found]
            if own_top in packages or named.search(text):
                return True
        return False

    rescued: dict[str, str] = {}
    queue = [f for f in files if f.endswith(".py") and f not in chosen]
    forced: set[str] = set()  # rescued files: parsed whatever words they contain
    if memo is not None:
        memo.words([f"{w}:{','.join(sorted(tops[w]))}" for w in words])
    while queue:
        path = queue.pop()
        known = memo.get(path) if memo is not None else None
        if known is not None and (path in forced and known[1] is None):
            known = None  # its names were never needed before: read it
        if known is not None:
            qualifies, names = known
        else:
            try:
                if read is not None:
                    source = read(path)
                else:
                    assert tree is not None
                    source = (tree / path).read_bytes()
            except OSError:
                continue
            own_top = path.partition("/")[0].removesuffix(".py")
            qualifies = any(names_removed(text, own_top) for text in _import_texts_naming(source, raw_words))
            needed = qualifies or path in forced
            names = _imported_names(source, module_of(path) or "", path.endswith("__init__.py")) if needed else None
            if memo is not None:
                memo.put(path, qualifies, names)
        if not qualifies and path not in forced:
            continue
        assert names is not None
        for name in names:
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
# A statement is a line starting with `from`/`import`, or `from x import (` up to the first `)`; only
# those around a guard word are taken, the calls only in files that name them. test_guard_texts.py
# checks them against a regex scan of every line, which was most of slimming's time.
_IMPORT_CALL = re.compile(rb"(?:import_module|__import__)\([^)]*\)")
_STATEMENT_START = re.compile(rb"[ \t]*(?:from|import)[ \t]")
_PARENTHESIZED_FROM = re.compile(rb"[ \t]*from[ \t]+[\w.]+[ \t]+import[ \t]*\(")
_WORD_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")  # \w in a bytes pattern


def _word_positions(source: bytes, words: list[bytes]) -> list[int]:
    """Where each of `words` occurs as a whole word (as `\\b(?:w1|w2)\\b` finds them), by bytes.find:
    a regex without a literal prefix steps through every byte, 30 times slower here."""
    found = []
    for word in words:
        at = source.find(word)
        while at >= 0:
            end = at + len(word)
            if (at == 0 or source[at - 1] not in _WORD_BYTES) and (
                end == len(source) or source[end] not in _WORD_BYTES
            ):
                found.append(at)
            at = source.find(word, at + 1)
    return sorted(found)


def _import_texts_naming(source: bytes, words: list[bytes]) -> Iterator[bytes]:
    """The import statements around each whole-word occurrence of one of `words` (found from it, not
    by trying every line of the file), then the import calls; nothing when no word occurs (most files:
    bytes.find is all they cost)."""
    positions = _word_positions(source, words)
    if not positions:
        return
    given: set[int] = set()  # the line each statement given starts at
    for pos in positions:
        line = source.rfind(b"\n", 0, pos) + 1
        text = _statement_at(source, line)
        if text is None:  # on a line of its own inside `from x import (`, which began on an earlier line?
            paren = source.rfind(b"(", 0, pos)
            if paren < 0 or source.find(b")", paren, pos) >= 0:
                continue
            line = source.rfind(b"\n", 0, paren) + 1
            text = _statement_at(source, line)
            if text is None or line + len(text) <= pos:
                continue
        if line not in given:
            given.add(line)
            yield text
    if b"import_module" in source or b"__import__" in source:
        for m in _IMPORT_CALL.finditer(source):
            yield m.group(0)


def _statement_at(source: bytes, line: int) -> bytes | None:
    """The import statement starting at the line that starts at `line`, or None."""
    if _PARENTHESIZED_FROM.match(source, line):
        end = source.find(b")", line)
        if end >= 0:
            return source[line : end + 1]
    if _STATEMENT_START.match(source, line):
        end = source.find(b"\n", line)
        return source[line : end if end >= 0 else len(source)]
    return None


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


def _statements(module: ast.Module) -> Iterator[ast.AST]:
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


# --- sourceless layers ------------------------------------------------------------------------

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


def sourceless_guard(files: list[str], chosen: Chosen, kept: dict[str, str], read: Read) -> dict[str, str]:
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
