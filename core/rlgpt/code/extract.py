"""Pull the asked-for functions out of an LLM reply.

:func:`extract_program` finds the fenced code blocks (or takes the whole reply
when it is plain Python), checks that every required function is defined with
the required parameters, and refuses anything else at module level: only
function definitions, imports and constant assignments (of literals) may
appear there, and default values of the functions' parameters must be plain
values, so nothing runs when the program is loaded. Programs too long or too
deeply nested to check safely are refused (:mod:`rlgpt.code.bounds`).
"""

from __future__ import annotations

import ast
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass

from rlgpt.code.bounds import parse_bounded, too_deep
from rlgpt.code.errors import CodeRejected

_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n(.*?)(?:```|\Z)", re.DOTALL)
_PYTHON_TAGS = frozenset({"", "python", "py", "python3"})
_FENCE_LINE = re.compile(r"^\s*`{3,}[A-Za-z0-9_+-]*\s*$")


@dataclass(frozen=True)
class FunctionSignature:
    """The parameters a required function must take.

    :param params: names of the leading positional parameters, in order.
    :param varargs_ok: whether ``*args`` / ``**kwargs`` are tolerated.

    Further parameters are accepted only when they have defaults, since callers
    pass exactly ``params``.
    """

    params: tuple[str, ...]
    varargs_ok: bool = False

    def render(self, name: str) -> str:
        """``def name(a, b)``: how the function must be declared."""
        return f"def {name}({', '.join(self.params)})"


@dataclass(frozen=True)
class Program:
    """Generated code that passed extraction.

    :param source: the code (fenced blocks joined by blank lines); line numbers in
        every later message refer to it.
    :param functions: every top-level function, in definition order.
    :param entry_points: the required functions, in the order they were asked for.
    :param digest: :func:`normalised_digest` of the source.
    """

    source: str
    functions: tuple[str, ...]
    entry_points: tuple[str, ...]
    digest: str


def code_blocks(text: str) -> list[str]:
    """The Python fenced blocks of ``text`` (```` ```python ````, ```` ```py ````, bare ```` ``` ````)."""
    return [body for tag, body in _FENCE.findall(text) if tag.lower() in _PYTHON_TAGS]


def extract_program(text: str, required: Mapping[str, FunctionSignature]) -> Program:
    """Parse an LLM reply into a :class:`Program` holding the ``required`` functions.

    :param text: the reply; fenced Python blocks are joined, otherwise the whole
        text is used when it parses as Python.
    :param required: function name -> signature it must have.
    :raises CodeRejected: ``no_code_block``, ``syntax``, ``too_complex``, ``missing_function``,
        ``bad_signature`` or ``forbidden_statement``, with the line and the fix.
    """
    source = _best_reading(text, required)
    tree = _parse(source)
    functions = _check_module_level(tree)
    for name, signature in required.items():
        if name not in functions:
            defined = ", ".join(functions) or "none"
            raise CodeRejected(
                "missing_function",
                f"the code must define `{signature.render(name)}` at top level "
                f"(functions defined: {defined})",
            )
        _check_signature(functions[name], signature)
    return Program(
        source=source,
        functions=tuple(functions),
        entry_points=tuple(required),
        digest=_tree_digest(tree),
    )


def check_module_level(source: str) -> tuple[str, ...]:
    """Parse extracted source and refuse anything that would run on load; return its functions.

    :raises CodeRejected: ``syntax``, ``too_complex`` or ``forbidden_statement``, with the line.
    """
    return tuple(_check_module_level(_parse(source)))


def normalised_digest(source_or_text: str) -> str:
    """A sha256 hex digest that ignores formatting, comments and docstrings.

    Python (an LLM reply with fenced blocks, or bare source) is hashed by its AST
    without docstrings; text that does not parse as Python (a plan, say) is
    hashed with its whitespace collapsed, and so is Python too long or too deeply
    nested to parse safely.
    """
    blocks = code_blocks(source_or_text)
    source = "\n\n".join(blocks) if blocks else source_or_text
    try:
        return _tree_digest(parse_bounded(source))
    except (SyntaxError, ValueError, CodeRejected):
        return hashlib.sha256(" ".join(source_or_text.split()).encode()).hexdigest()


def _best_reading(text: str, required: Mapping[str, FunctionSignature]) -> str:
    """The source to check: the fenced blocks as usual, unless nested or odd fences hide the code.

    Fences inside fences (a ```` ```markdown ```` block around a ```` ```python ```` one, a docstring
    showing a fenced example, four-backtick fences) cut the usual reading short. When it does not
    parse or lacks a required function, the text after each Python-tagged fence (fence lines
    removed) is tried, then each block alone; the first reading that parses and defines every
    required function wins. Otherwise the reading that defines the most of them (then the most
    functions) is checked, so its message names what the code does define; the usual reading
    wins ties and is checked when none parses (its error is reported).
    """
    usual = _source_of(text)
    best, best_score = usual, _coverage(usual, required)
    if best_score is not None and best_score[0] == len(required):
        return usual
    for candidate in (*_unfenced_readings(text), *code_blocks(text)):
        score = _coverage(candidate, required)
        if score is None:
            continue
        if score[0] == len(required):
            return candidate
        if best_score is None or score > best_score:
            best, best_score = candidate, score
    return best


def _unfenced_readings(text: str) -> list[str]:
    """From each Python-tagged opening fence to the reply's last fence, with every fence line removed."""
    lines = text.splitlines()
    fences = [i for i, line in enumerate(lines) if _FENCE_LINE.match(line)]
    readings = []
    for start in fences:
        tag = lines[start].strip().lstrip("`").strip().lower()
        if tag in _PYTHON_TAGS and start < fences[-1]:
            body = [line for line in lines[start + 1 : fences[-1]] if not _FENCE_LINE.match(line)]
            readings.append("\n".join(body) + "\n")
    return readings


def _coverage(source: str, required: Mapping[str, FunctionSignature]) -> tuple[int, int] | None:
    """``(required functions defined, functions defined)`` by ``source``; ``None`` when it does not parse."""
    try:
        tree = parse_bounded(source)
    except (SyntaxError, ValueError, UnicodeError, CodeRejected):
        return None
    names = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    return len(set(required) & names), len(names)


def _source_of(text: str) -> str:
    blocks = code_blocks(text)
    if blocks:
        return "\n\n".join(block.strip("\n") for block in blocks) + "\n"
    try:
        parse_bounded(text)
    except (SyntaxError, ValueError) as exc:
        where = f" (line {exc.lineno}: {exc.msg})" if isinstance(exc, SyntaxError) and exc.lineno else ""
        raise CodeRejected(
            "no_code_block",
            "no ```python fenced code block found, and the reply is not valid Python"
            f"{where}; put the code in one ```python block",
        ) from None
    if not text.strip():
        raise CodeRejected("no_code_block", "the reply is empty; put the code in one ```python block")
    return text


def _parse(source: str) -> ast.Module:
    try:
        return parse_bounded(source)
    except SyntaxError as exc:
        offending = (exc.text or "").strip()
        shown = f": `{offending}`" if offending else ""
        where = f"line {exc.lineno}: " if exc.lineno else ""
        raise CodeRejected(
            "syntax", f"{where}syntax error ({exc.msg}){shown}; fix it", line=exc.lineno
        ) from None
    except ValueError as exc:
        raise CodeRejected("syntax", f"the code cannot be parsed ({exc}); fix it") from None


def _check_module_level(tree: ast.Module) -> dict[str, ast.FunctionDef]:
    """Return the top-level functions; refuse any statement that would run on load."""
    functions: dict[str, ast.FunctionDef] = {}
    for index, node in enumerate(tree.body):
        if isinstance(node, ast.FunctionDef):
            if node.decorator_list:
                raise _statement(node, f"decorators are not allowed (on `{node.name}`); remove them")
            _check_defaults(node)
            if node.name in functions:
                first = functions[node.name].lineno
                raise _statement(
                    node,
                    f"`{node.name}` is defined twice (lines {first} and {node.lineno}); keep one definition",
                )
            functions[node.name] = node
        elif (
            isinstance(node, ast.Import | ast.ImportFrom)
            or _is_constant_assignment(node)
            or (index == 0 and _is_docstring(node))
        ):
            continue
        else:
            raise _statement(
                node,
                f"`{_describe(node)}` is not allowed at module level; only function definitions, imports "
                "and constant assignments may appear there (move the code into a function)",
            )
    return functions


def _check_defaults(node: ast.FunctionDef) -> None:
    """Refuse default values that compute anything: they are evaluated when the program loads."""
    args = node.args
    positional = [*args.posonlyargs, *args.args]
    pairs = [*zip(positional[len(positional) - len(args.defaults) :], args.defaults, strict=True)]
    pairs += [(arg, value) for arg, value in zip(args.kwonlyargs, args.kw_defaults, strict=True) if value]
    for arg, value in pairs:
        if not _is_plain_value(value):
            raise _statement(
                value,
                f"the default value of `{arg.arg}` in `{node.name}` must be a plain value (a number, a "
                "string, a name, or a tuple/list/dict of those), since it is computed when the program "
                "loads; compute it inside the function",
            )


def _is_plain_value(node: ast.expr) -> bool:
    """Literals, names, ``module.attribute`` and containers of them: nothing to compute."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.Constant | ast.Name):
            continue
        if isinstance(current, ast.Attribute) and isinstance(current.value, ast.Name):
            continue
        if isinstance(current, ast.UnaryOp) and isinstance(current.op, ast.USub | ast.UAdd):
            stack.append(current.operand)
        elif isinstance(current, ast.Tuple | ast.List | ast.Set):
            stack.extend(current.elts)
        elif isinstance(current, ast.Dict):
            stack.extend(key for key in current.keys if key is not None)
            stack.extend(current.values)
        else:
            return False
    return True


def _check_signature(node: ast.FunctionDef, signature: FunctionSignature) -> None:
    args = node.args
    positional = [a.arg for a in (*args.posonlyargs, *args.args)]
    expected = signature.render(node.name)
    if positional[: len(signature.params)] != list(signature.params):
        raise CodeRejected(
            "bad_signature",
            f"line {node.lineno}: `{node.name}` takes ({', '.join(positional)}) but must be declared as "
            f"`{expected}`",
            line=node.lineno,
        )
    first_default = len(positional) - len(args.defaults)
    without_default = positional[len(signature.params) : first_default]
    without_default += [a.arg for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d is None]
    if without_default:
        raise CodeRejected(
            "bad_signature",
            f"line {node.lineno}: `{node.name}` has extra parameters without defaults "
            f"({', '.join(without_default)}); it is called as `{node.name}({', '.join(signature.params)})`, "
            f"so declare it as `{expected}`",
            line=node.lineno,
        )
    if not signature.varargs_ok and (args.vararg or args.kwarg):
        raise CodeRejected(
            "bad_signature",
            f"line {node.lineno}: `{node.name}` must not take *args or **kwargs; declare it as `{expected}`",
            line=node.lineno,
        )


def _is_constant_assignment(node: ast.stmt) -> bool:
    if isinstance(node, ast.Assign):
        targets, value = node.targets, node.value
    elif isinstance(node, ast.AnnAssign) and node.value is not None:
        targets, value = [node.target], node.value
    else:
        return False
    if not all(isinstance(t, ast.Name) for t in targets):
        return False
    try:
        ast.literal_eval(value)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False
    return True


def _is_docstring(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def _describe(node: ast.stmt) -> str:
    first_line = ast.unparse(node).splitlines()[0]
    return first_line if len(first_line) <= 60 else first_line[:57] + "..."


def _statement(node: ast.stmt, message: str) -> CodeRejected:
    return CodeRejected("forbidden_statement", f"line {node.lineno}: {message}", line=node.lineno)


def _tree_digest(tree: ast.Module) -> str:
    """Hash of ``tree`` without docstrings; the docstrings are removed from ``tree`` itself.

    ``tree`` comes from :func:`~rlgpt.code.bounds.parse_bounded`, so :func:`ast.dump` stays far from
    the recursion limit; should it still reach it, the refusal names the nesting.
    """
    _remove_docstrings(tree)
    try:
        return hashlib.sha256(ast.dump(tree).encode()).hexdigest()
    except RecursionError:
        raise too_deep("too many levels to digest") from None


def _remove_docstrings(tree: ast.Module) -> None:
    """Remove module, function and class docstrings from ``tree`` (in place)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            body = node.body
            if body and _is_docstring(body[0]):
                node.body = body[1:] or [ast.Pass()]
