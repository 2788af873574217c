"""The slim rules, as data: what each removes from a layer, why, and in which profile.

`safe` removes only what no import reads: the layer behaves the same (checked by the import smoke
test). `aggressive` adds what a few packages read at run time in rare setups (compiling against a
package's headers, debug symbols). `none` removes nothing. `slim.py` applies the rules in this order
(the first rule that matches a file is the one recorded); `docs/slim-rules.md` explains each one and
what it saved on the sample projects. `*.dist-info` is never touched: `importlib.metadata` reads it
(serverless/serverless-python-requirements#296: werkzeug fails without it).
"""

from __future__ import annotations

from dataclasses import dataclass

PROFILES = ("none", "safe", "aggressive")


@dataclass(frozen=True)
class Rule:
    name: str
    profile: str  # the lowest profile that applies it: "safe" or "aggressive"
    why: str
    dir_names: frozenset[str] = frozenset()  # a folder of the file's path has one of these names
    file_names: frozenset[str] = frozenset()  # the file's name is one of these
    suffixes: tuple[str, ...] = ()  # the file's name ends with one of these
    # An extra test the file must pass (slim.py implements each):
    #   "source-exists"     a .py with the same stem sits beside it (so the .pyc is a stale copy)
    #   "next-to-extension" a compiled extension module with the same stem sits beside it
    #   "not-a-package"     the matched folder has no __init__.py (it is documentation, not code)
    condition: str | None = None
    action: str = "remove"  # or "strip": run `strip --strip-debug` instead of deleting

    def applies_in(self, profile: str) -> bool:
        return profile != "none" and (self.profile == "safe" or profile == "aggressive")


RULES: tuple[Rule, ...] = (
    Rule(
        "bytecode-cache",
        "safe",
        "__pycache__ from the wheel: compiled by another build, often for another Python; Lambda cannot "
        "write there, and the bytecode stage writes fresh .pyc for the target's Python",
        dir_names=frozenset({"__pycache__"}),
    ),
    Rule(
        "stray-pyc",
        "safe",
        "a .pyc or .pyo beside its .py in the legacy layout: a stale copy the import system checks and "
        "rejects; a .pyc without its .py (a sourceless wheel) is kept",
        suffixes=(".pyc", ".pyo"),
        condition="source-exists",
    ),
    Rule(
        "tests",
        "safe",
        "test suites (tests/, test/ folders and pytest's conftest.py) run under pytest, not in a "
        "function; a kept module that imports one of their files keeps that file (import guard)",
        dir_names=frozenset({"tests", "test"}),
        file_names=frozenset({"conftest.py"}),
    ),
    Rule(
        "type-stubs",
        "safe",
        "*.pyi stubs are read by type checkers, never by import; packages that read them as data "
        "(mypy, jedi) are listed in known_breakers.py",
        suffixes=(".pyi",),
    ),
    Rule(
        "docs-examples",
        "safe",
        "documentation and example folders shipped inside packages; only folders that are not Python "
        "packages (botocore.docs is code and stays)",
        dir_names=frozenset({"docs", "doc", "examples", "example", "_examples"}),
        condition="not-a-package",
    ),
    Rule(
        "build-leftovers",
        "safe",
        "C, C++ and Cython sources beside the extension module compiled from them: the compiled module is what imports",
        suffixes=(".c", ".cc", ".cpp", ".cxx", ".pyx", ".h", ".hpp"),
        condition="next-to-extension",
    ),
    Rule(
        "c-headers",
        "aggressive",
        "headers, Cython declarations and static libraries are for compiling against a package "
        "(numpy.get_include(), cimport); nothing compiles in Lambda, but pyximport or cffi users would",
        suffixes=(".h", ".hpp", ".hh", ".pxd", ".pxi", ".a"),
    ),
    Rule(
        "strip-debug",
        "aggressive",
        "`strip --strip-debug` of shared libraries: debug sections are never loaded; never on libraries "
        "known to break (known_breakers.NEVER_STRIP), and each result is checked to still load",
        suffixes=(".so",),
        action="strip",
    ),
)

# What `strip-debug` also matches: versioned shared libraries (libfoo.so.1.2).
SHARED_LIBRARY_MARKER = ".so."


def rules_for(profile: str) -> tuple[Rule, ...]:
    return tuple(r for r in RULES if r.applies_in(profile))
