"""The AST allow-list generated code must pass before it is compiled.

Decisions, so that the sandbox's limits cannot be undone from inside:

- imports only of :data:`DEFAULT_ALLOWED_MODULES` (``import m`` or ``from m import name``; no star
  imports, no relative imports, no submodules);
- no name starting with ``__`` and no attribute starting with ``_`` (dunders and private
  skill-API internals alike), no string literal that spells a dunder, no attribute that
  reaches interpreter internals (frames, code objects) or reads attributes by string
  (``str.format``: use f-strings);
- none of :data:`FORBIDDEN_NAMES` (``open``, ``eval``, ``getattr``, ``type`` ...);
- no assignment to (or deletion of) attributes: the only objects with writable attributes
  generated code can reach are shared ones (modules, imported classes, the skill API);
- no ``global`` / ``nonlocal``, ``class``, ``with``, ``async`` / ``await``, ``yield``
  (a generator entry point would return without running), no ``finally`` (it would run
  after a timeout), no bare ``except:`` or ``except BaseException`` (the sandbox's limits
  derive from :class:`BaseException`, so ``except Exception`` is fine).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass

from rlgpt.code.bounds import parse_bounded, too_deep
from rlgpt.code.errors import CodeRejected, RejectReason

DEFAULT_ALLOWED_MODULES: tuple[str, ...] = (
    "math",
    "random",
    "itertools",
    "collections",
    "heapq",
    "functools",
)

FORBIDDEN_NAMES: frozenset[str] = frozenset(
    {
        "open", "exec", "eval", "compile", "__import__", "globals", "locals", "vars", "getattr", "setattr",
        "delattr", "hasattr", "input", "breakpoint", "help", "memoryview", "type", "super", "object",
        "classmethod", "staticmethod", "property",
    }
)  # fmt: skip

FORBIDDEN_ATTRIBUTES: frozenset[str] = frozenset(
    {
        "gi_frame", "gi_code", "gi_yieldfrom", "cr_frame", "cr_code", "cr_await", "ag_frame", "ag_code",
        "f_globals", "f_locals", "f_builtins", "f_back", "f_code", "f_trace", "tb_frame", "tb_next",
        "co_code", "co_consts", "mro", "format", "format_map", "update_wrapper", "wraps",
        "tofile", "dump", "ctypes",
    }
)  # fmt: skip
"""Attributes that reach frames or code objects, read attributes named by a string, or write files."""

_CAUGHT_TOO_BROADLY = frozenset({"BaseException", "KeyboardInterrupt", "SystemExit", "GeneratorExit"})
_DUNDER_TEXT = re.compile(r"__[A-Za-z]\w*__")
_HINTS = {
    "getattr": "write `obj.name` directly",
    "setattr": "keep the value in a local variable or a dict",
    "hasattr": "call the skill API's perception helpers instead",
    "type": "use isinstance()",
    "open": "all the information the code may use comes from the skill API",
    "eval": "write the logic directly",
    "exec": "write the logic directly",
    "compile": "write the logic directly",
}
_MAX_LISTED = 5


@dataclass(frozen=True)
class _Violation:
    reason: RejectReason
    line: int
    column: int
    text: str


def check_policy(
    source: str,
    *,
    allowed_modules: Iterable[str] = DEFAULT_ALLOWED_MODULES,
    allowed_names: Iterable[str] = (),
) -> None:
    """Refuse code that steps outside the allow-list.

    :param source: Python source (already extracted).
    :param allowed_modules: the modules ``import`` may name.
    :param allowed_names: names exempted from :data:`FORBIDDEN_NAMES` (an explicit opt-in).
    :raises CodeRejected: with the first violation's reason; the message lists every
        violation found (up to five) with its line and the fix. Code too long or too deeply
        nested to check safely is ``too_complex``.
    """
    try:
        tree = parse_bounded(source)
    except SyntaxError as exc:
        raise CodeRejected(
            "syntax", f"line {exc.lineno}: syntax error ({exc.msg}); fix it", line=exc.lineno
        ) from None
    except ValueError as exc:
        raise CodeRejected("syntax", f"the code cannot be parsed ({exc}); fix it") from None
    checker = _Checker(tuple(allowed_modules), FORBIDDEN_NAMES - set(allowed_names))
    try:
        checker.visit(tree)
    except RecursionError:
        raise too_deep("too many levels to check") from None
    if not checker.violations:
        return
    found = sorted(checker.violations, key=lambda v: (v.line, v.column))
    first = found[0]
    listed = [f"line {v.line}: {v.text}" for v in found[:_MAX_LISTED]]
    more = len(found) - _MAX_LISTED
    if more > 0:
        listed.append(f"... and {more} more")
    raise CodeRejected(first.reason, "\n".join(listed), line=first.line)


class _Checker(ast.NodeVisitor):
    """Walks the tree once and records every violation."""

    def __init__(self, allowed_modules: tuple[str, ...], forbidden_names: frozenset[str]) -> None:
        self.allowed_modules = allowed_modules
        self.forbidden_names = forbidden_names
        self.violations: list[_Violation] = []

    def _flag(self, node: ast.AST, reason: RejectReason, text: str) -> None:
        self.violations.append(
            _Violation(reason, getattr(node, "lineno", 0), getattr(node, "col_offset", 0), text)
        )

    def _forbid_statement(self, node: ast.AST, what: str, fix: str) -> None:
        self._flag(node, "forbidden_statement", f"{what} is not allowed; {fix}")
        self.generic_visit(node)

    def _module_allowed(self, node: ast.AST, module: str, shown: str) -> bool:
        if module in self.allowed_modules:
            return True
        modules = ", ".join(self.allowed_modules)
        text = f"`{shown}` is not allowed; only these modules may be imported: {modules}"
        self._flag(node, "forbidden_import", text)
        return False

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            shown = f"import {alias.name}" + (f" as {alias.asname}" if alias.asname else "")
            self._module_allowed(node, alias.name, shown)
            self._check_identifier(node, alias.asname)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        names = ", ".join(a.name for a in node.names)
        shown = f"from {'.' * node.level}{node.module or ''} import {names}"
        if node.level or not self._module_allowed(node, node.module or "", shown):
            if node.level:
                self._flag(node, "forbidden_import", f"`{shown}`: relative imports are not allowed")
            return
        for alias in node.names:
            if alias.name == "*":
                self._flag(
                    node, "forbidden_import", f"`{shown}`: star imports are not allowed; name what you use"
                )
            elif alias.name.startswith("_"):
                self._flag(
                    node, "dunder_access", f"`{shown}`: private names (starting with `_`) are off-limits"
                )
            self._check_identifier(node, alias.asname)

    def visit_Name(self, node: ast.Name) -> None:
        if node.id in self.forbidden_names:
            hint = _HINTS.get(node.id, "use the skill API and plain Python instead")
            self._flag(node, "forbidden_name", f"`{node.id}` is not allowed in generated code; {hint}")
        else:
            self._check_identifier(node, node.id)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        self._check_attribute(node, node.attr)
        if isinstance(node.ctx, ast.Store | ast.Del):
            self._flag(
                node,
                "forbidden_statement",
                f"changing the attribute `{ast.unparse(node)}` is not allowed (modules and the skill API are "
                "shared); keep state in local variables, lists or dicts",
            )
        self.generic_visit(node)

    def visit_MatchClass(self, node: ast.MatchClass) -> None:
        for attr in node.kwd_attrs:
            self._check_attribute(node, attr)
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and _DUNDER_TEXT.search(node.value):
            self._flag(
                node,
                "dunder_access",
                f"the string {node.value[:40]!r} names a dunder; dunder access is not allowed in any form",
            )

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._check_identifier(node, node.name)
        self.generic_visit(node)

    def visit_arg(self, node: ast.arg) -> None:
        self._check_identifier(node, node.arg)
        self.generic_visit(node)

    def visit_Global(self, node: ast.Global) -> None:
        self._forbid_statement(node, "`global`", "pass values in and return results instead")

    def visit_Nonlocal(self, node: ast.Nonlocal) -> None:
        self._forbid_statement(node, "`nonlocal`", "pass values in and return results instead")

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self._forbid_statement(node, f"`class {node.name}`", "use functions, dicts and tuples instead")

    def visit_With(self, node: ast.With) -> None:
        self._forbid_statement(node, "`with`", "the code needs no context managers")

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._forbid_statement(node, f"`async def {node.name}`", "use a plain `def`")

    def visit_AsyncFor(self, node: ast.AsyncFor) -> None:
        self._forbid_statement(node, "`async for`", "use a plain `for`")

    def visit_AsyncWith(self, node: ast.AsyncWith) -> None:
        self._forbid_statement(node, "`async with`", "the code needs no context managers")

    def visit_Await(self, node: ast.Await) -> None:
        self._forbid_statement(node, "`await`", "call functions directly")

    def visit_Yield(self, node: ast.Yield) -> None:
        self._forbid_statement(node, "`yield`", "build and return a list instead of a generator")

    def visit_YieldFrom(self, node: ast.YieldFrom) -> None:
        self._forbid_statement(node, "`yield from`", "build and return a list instead of a generator")

    def visit_Try(self, node: ast.Try) -> None:
        self._check_try(node)

    def visit_TryStar(self, node: ast.TryStar) -> None:
        self._check_try(node)

    def _check_try(self, node: ast.Try | ast.TryStar) -> None:
        if node.finalbody:
            self._flag(
                node.finalbody[0],
                "forbidden_statement",
                "`finally` is not allowed (it would run after the time limit); put clean-up after the try",
            )
        for handler in node.handlers:
            caught = _caught_names(handler.type)
            if handler.type is None:
                self._flag(
                    handler, "forbidden_statement", "bare `except:` is not allowed; write `except Exception:`"
                )
            elif caught & _CAUGHT_TOO_BROADLY:
                names = ", ".join(sorted(caught & _CAUGHT_TOO_BROADLY))
                self._flag(
                    handler,
                    "forbidden_statement",
                    f"catching `{names}` is not allowed; catch `Exception` or something narrower",
                )
        self.generic_visit(node)

    def _check_attribute(self, node: ast.AST, attr: str) -> None:
        if attr.startswith("__"):
            self._flag(node, "dunder_access", f"dunder attribute `.{attr}` is not allowed")
        elif attr.startswith("_"):
            self._flag(
                node,
                "dunder_access",
                f"private attribute `.{attr}` is off-limits; use only the skill API's public functions",
            )
        elif attr in FORBIDDEN_ATTRIBUTES:
            hint = (
                "use an f-string instead" if attr.startswith("format") else "it reaches interpreter internals"
            )
            self._flag(node, "forbidden_name", f"attribute `.{attr}` is not allowed; {hint}")

    def _check_identifier(self, node: ast.AST, name: str | None) -> None:
        if name and name.startswith("__"):
            self._flag(
                node, "dunder_access", f"the name `{name}` is not allowed (names may not start with `__`)"
            )


def _caught_names(expr: ast.expr | None) -> set[str]:
    if isinstance(expr, ast.Name):
        return {expr.id}
    if isinstance(expr, ast.Tuple):
        return {n for elt in expr.elts for n in _caught_names(elt)}
    return set()
