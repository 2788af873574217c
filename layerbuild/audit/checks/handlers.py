"""AWS SDK clients created inside a Lambda handler function (LB501, a cold-start anti-pattern).

A client made in the handler is rebuilt on every invocation (loading botocore's service model, new
connection pool); made at module level it is built once per execution environment and reused.
Source: AWS docs, "Best practices for working with AWS Lambda functions" ("Initialize SDK clients
... outside of the function handler").

Reads source with `ast` only; never imports the code.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from layerbuild.model.inventory import Inventory, is_test_file

if TYPE_CHECKING:
    from layerbuild.audit.checks.contents import Files
    from layerbuild.audit.findings import Finding

_FACTORIES = ("client", "resource")
# Parameter names that mark a function as a handler when no handler name is given.
_EVENT_NAMES = {"event", "evt", "_event", "e", "payload"}
_CONTEXT_NAMES = {"context", "ctx", "_context", "_ctx", "lambda_context", "_"}


@dataclass(frozen=True)
class ClientInHandler:
    file: str
    line: int
    function: str  # the handler it is in
    call: str  # e.g. "boto3.client('s3')"


class _Aliases(ast.NodeVisitor):
    """Names bound to boto3, its client/resource factories, and Session objects or classes."""

    def __init__(self) -> None:
        self.modules: set[str] = set()  # names meaning boto3 (or boto3.session)
        self.factories: set[str] = set()  # names meaning boto3.client / boto3.resource
        self.session_classes: set[str] = set()  # names meaning boto3.Session
        self.sessions: set[str] = set()  # variables holding a Session

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name in ("boto3", "boto3.session"):
                self.modules.add((alias.asname or alias.name).split(".")[0])

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module == "boto3":
            for alias in node.names:
                local = alias.asname or alias.name
                if alias.name in _FACTORIES:
                    self.factories.add(local)
                elif alias.name == "Session":
                    self.session_classes.add(local)
                elif alias.name == "session":
                    self.modules.add(local)
        elif node.module == "boto3.session":
            for alias in node.names:
                if alias.name == "Session":
                    self.session_classes.add(alias.asname or alias.name)

    def visit_Assign(self, node: ast.Assign) -> None:
        if isinstance(node.value, ast.Call) and self.is_session_call(node.value):
            for t in node.targets:
                if isinstance(t, ast.Name):
                    self.sessions.add(t.id)
        self.generic_visit(node)

    def is_session_call(self, call: ast.Call) -> bool:
        f = call.func
        if isinstance(f, ast.Name):
            return f.id in self.session_classes
        if isinstance(f, ast.Attribute) and f.attr == "Session":
            root = f.value
            while isinstance(root, ast.Attribute):
                root = root.value
            return isinstance(root, ast.Name) and root.id in self.modules
        return False


def _is_client_call(call: ast.Call, names: _Aliases) -> bool:
    f = call.func
    if isinstance(f, ast.Name):
        return f.id in names.factories
    if isinstance(f, ast.Attribute) and f.attr in _FACTORIES:
        owner = f.value
        if isinstance(owner, ast.Name):
            return owner.id in names.modules or owner.id in names.sessions
        if isinstance(owner, ast.Call):
            return names.is_session_call(owner)
    return False


def _looks_like_handler(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    if fn.name.endswith("handler"):
        return True
    params = [a.arg for a in fn.args.posonlyargs + fn.args.args]
    return len(params) == 2 and params[0] in _EVENT_NAMES and params[1] in _CONTEXT_NAMES


def find_clients_in_handler(source: str, filename: str, handler: str | None = None) -> list[ClientInHandler]:
    """SDK clients/resources created inside the handler function(s) of one module.

    `handler` names the function (as in Lambda's `module.function` setting); without it, top-level
    functions named `*handler` or taking `(event, context)` are handlers. A file that does not parse is
    skipped (returns nothing): it is not ours to lint.
    """
    try:
        tree = ast.parse(source, filename=filename)
    except (SyntaxError, ValueError):
        return []
    names = _Aliases()
    names.visit(tree)
    if not (names.modules or names.factories or names.session_classes):
        return []
    found = []
    for fn in tree.body:
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        if (fn.name != handler) if handler else not _looks_like_handler(fn):
            continue
        for node in ast.walk(fn):
            if isinstance(node, ast.Call) and _is_client_call(node, names):
                found.append(ClientInHandler(filename, node.lineno, fn.name, ast.unparse(node)))
    return sorted(found, key=lambda c: c.line)


def handler_sources(kind: str, inv: Inventory, files: Files) -> list[tuple[str, str]]:
    """(path, source) of the function's own modules: .py files no distribution owns, outside python/."""
    if kind != "function":
        return []
    out = []
    for path in inv.unowned_files:
        p = PurePosixPath(path)
        if p.suffix != ".py" or is_test_file(path) or "site-packages" in p.parts or len(p.parts) > 3:
            continue
        out.append((path, files.read(path).decode("utf-8", errors="replace")))
    return out


def check_handlers(sources: list[tuple[str, str, str | None]]) -> list[Finding]:
    """LB501 for each client made inside a handler; `sources` are (path, text, handler name or None)."""
    from layerbuild.audit.findings import finding

    out = []
    for path, text, function in sources:
        for hit in find_clients_in_handler(text, path, function):
            out.append(
                finding("LB501", f"{hit.call} in {hit.function}() runs on every invocation", file=path, line=hit.line)
            )
    return out
