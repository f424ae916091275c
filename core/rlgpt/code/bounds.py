"""Bounds on a program's size and nesting, checked before anything recurses over it.

Python's parser, :func:`copy.deepcopy`, :func:`ast.dump`, :class:`ast.NodeVisitor` and the compiler
all recurse once per level of nesting, so a 200-branch ``if/elif`` chain or a 500-term ``1+1+...``
sum would raise :class:`RecursionError` in the process that checks the program. :func:`parse_bounded`
refuses such programs with ``CodeRejected(reason="too_complex")`` instead: the source's length is
capped before parsing, the parser's own :class:`RecursionError` / :class:`MemoryError` are caught,
and the tree's depth is measured with an explicit stack (no recursion) before anything walks it.
"""

from __future__ import annotations

import ast

from rlgpt.code.errors import CodeRejected

MAX_SOURCE_CHARS = 100_000
"""Longest program accepted (characters); generated programs are a few thousand."""
MAX_NESTING = 100
"""Deepest syntax tree accepted (levels of nodes); ordinary code stays well below 40."""

_FLATTEN = (
    "flatten it: split long expressions into several statements, and replace long if/elif chains "
    "with a dict lookup or a loop"
)


def parse_bounded(source: str) -> ast.Module:
    """``ast.parse(source)``, refusing programs too long or too deeply nested to check safely.

    :raises SyntaxError | ValueError: as :func:`ast.parse` does.
    :raises CodeRejected: ``too_complex``, with the size or depth found and the fix.
    """
    if len(source) > MAX_SOURCE_CHARS:
        raise CodeRejected(
            "too_complex",
            f"program is too long ({len(source)} characters; the limit is {MAX_SOURCE_CHARS}); shorten it",
        )
    try:
        tree = ast.parse(source)
    except RecursionError:
        raise too_deep("more levels than the parser allows") from None
    except MemoryError:
        raise CodeRejected("too_complex", "program is too large to parse; shorten it") from None
    depth, line = nesting(tree)
    if depth > MAX_NESTING:
        raise too_deep(f"{depth} levels at line {line}; the limit is {MAX_NESTING}", line)
    return tree


def nesting(tree: ast.AST) -> tuple[int, int | None]:
    """The depth of ``tree`` in nodes and the line of its deepest node, measured without recursion."""
    deepest, deepest_line = 0, None
    stack: list[tuple[ast.AST, int, int | None]] = [(tree, 1, None)]
    while stack:
        node, depth, line = stack.pop()
        line = getattr(node, "lineno", line)
        if depth > deepest:
            deepest, deepest_line = depth, line
        stack.extend((child, depth + 1, line) for child in ast.iter_child_nodes(node))
    return deepest, deepest_line


def too_deep(detail: str, line: int | None = None) -> CodeRejected:
    """The refusal of a program whose nesting made checking it recurse too deeply."""
    return CodeRejected("too_complex", f"program nests too deeply ({detail}); {_FLATTEN}", line=line)
