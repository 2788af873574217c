"""The import guard finds a kept module's imports of removed files from the guard words' occurrences
(slim/guard.py): the same statements a scan of every line finds, and only imports that can reach a
removed module (its top-level package named, or a relative import inside that package)."""

from __future__ import annotations

import re
from pathlib import Path

from layerbuild.slim.guard import _import_texts_naming, import_guard

# The every-line scan the guard used before: what _import_texts_naming must agree with.
EVERY_LINE = re.compile(
    rb"^[ \t]*(?:from[ \t]+[\w.]+[ \t]+import[ \t]*\([^)]*\)|(?:from|import)[ \t][^\n]*)", re.MULTILINE
)
CALL = re.compile(rb"(?:import_module|__import__)\([^)]*\)")

SHAPES = b"""\
import os
from x import (
    a,
    doc,
)
import doc
from . import (doc)  # doc
    from numpy import doc as d
x = 'doc'  # not an import
from y import (z)  # doc after the parenthesis
from pkg.docs import thing
import pkg.doc.sub, other
from z import \\
    doc
mod = importlib.import_module('numpy.doc')
documentation = 1
from w import (
    nodoc, doc_string,
)
doc"""


def _reference(source: bytes, words: list[str]) -> list[bytes]:
    pattern = re.compile(rb"\b(?:" + b"|".join(re.escape(w.encode()) for w in words) + rb")\b")
    texts = [m.group(0) for m in EVERY_LINE.finditer(source)]
    if b"import_module" in source or b"__import__" in source:
        texts += [m.group(0) for m in CALL.finditer(source)]
    return sorted({t for t in texts if pattern.search(t)})


def _found(source: bytes, words: list[str]) -> list[bytes]:
    pattern = re.compile(rb"\b(?:" + b"|".join(re.escape(w.encode()) for w in words) + rb")\b")
    return sorted({t for t in _import_texts_naming(source, [w.encode() for w in words]) if pattern.search(t)})


def test_the_statements_around_the_words_are_those_a_scan_of_every_line_finds():
    for words in (["doc"], ["doc", "docs"], ["tests", "conftest", "_examples"], ["x", "z", "pkg"]):
        assert _found(SHAPES, words) == _reference(SHAPES, words), words
    assert b"from x import (\n    a,\n    doc,\n)" in _found(SHAPES, ["doc"])


def test_the_statements_agree_on_real_sources_of_this_checkout():
    root = Path(__file__).resolve().parents[3] / "layerbuild"
    sources = [p.read_bytes() for p in sorted(root.rglob("*.py"))]
    assert len(sources) > 100
    for words in (["tests", "doc"], ["util", "model", "facts"], ["typing", "annotations"]):
        for source in sources:
            assert _found(source, words) == _reference(source, words)


def test_a_word_imported_from_another_package_does_not_make_a_file_parsed_or_rescue_anything(monkeypatch):
    files = {
        "numpy/__init__.py": b"",
        "numpy/doc/__init__.py": b"",
        "numpy/doc/ufuncs.py": b"X = 1\n",
        # pandas's `doc` decorator is not numpy's doc folder: no parse needed, nothing kept
        "pandas/__init__.py": b"from pandas.util._decorators import doc\n",
        "pandas/util/__init__.py": b"",
        "pandas/util/_decorators.py": b"def doc(f): return f\n",
        # numpy named, and a relative import inside numpy: both reach numpy/doc
        "other/__init__.py": b"from numpy.doc import ufuncs\n",
        "numpy/core.py": b"from .doc import ufuncs\n",
    }
    chosen = {p: ("docs-examples", p.split("/")[0], "doc") for p in files if "/doc/" in p}
    parsed: list[str] = []
    import layerbuild.slim.guard as guard

    real = guard._imported_names

    def watched(source: bytes, module: str, is_package: bool) -> set[str]:
        parsed.append(module)
        return real(source, module, is_package)

    monkeypatch.setattr(guard, "_imported_names", watched)  # counts the parses; the real parser runs
    rescued = import_guard(None, sorted(files), dict(chosen), read=files.__getitem__)
    assert set(rescued) == {"numpy/doc/__init__.py", "numpy/doc/ufuncs.py"}
    assert "other" in parsed and "numpy.core" in parsed
    assert "pandas" not in parsed

    alone = {k: v for k, v in files.items() if k not in ("other/__init__.py", "numpy/core.py")}
    assert import_guard(None, sorted(alone), dict(chosen), read=alone.__getitem__) == {}
