"""Read-only functions that are bounded by construction run beside the environment.

Under ``code.isolation = "process"`` every call of generated code crosses to a supervised child
process, because only a supervisor can stop a C-level loop (``sum(range(10**12))``) or a memory
bomb (``"x" * 10**10``). The functions called after *every* environment step (a sub-task's
``done``, its ``reward``, the preconditions ``can_<action>``) are usually one comparison of the
inventory, and the round trip costs more than the call. :func:`unbounded_reason` proves from the
function's syntax that a call cannot run long, and :class:`InlineCall` runs such a function in the
stepping process under the same wall-clock timer as in-process code *and* a memory window (the
process's address-space limit lowered, for the call, to what it maps plus ``memory_mb``), so the
guarantees of the child process hold. A function that is not proven bounded loses nothing but
speed: it stays in the child.

The proof is by a small language; anything outside it is "not proven":

- statements: ``return``, ``if``/``elif``/``else``, ``pass``, expressions and assignment to a plain
  name (never to the skill API's parameter, ``math`` or a builtin): no loops, no ``try``, no nested
  functions or lambdas;
- calls: methods of the skill API (``api.nearest("tree")``; the environment's own code, read-only
  here), the builtins in :data:`BOUNDED_BUILTINS` (each linear, or ``n log n``, in its input), the
  methods in :data:`BOUNDED_METHODS` and the ``math`` names in :data:`BOUNDED_MATH`; never
  another function of the program (no recursion) and never ``round`` (``round(5, -10**7)`` computes
  a ten-million-digit power for seconds in C);
- operators: no ``*`` but by a float literal (``0.5 * distance``), no ``**``, ``<<``, ``@`` or
  ``%`` (repetition, huge integers and ``%``-format padding are how a small expression builds a
  huge value or a long C-level computation), no f-string (format-spec padding), at most
  :data:`MAX_ADDITIONS` ``+``;
- at most one comprehension ``for`` in the whole function, no walrus;
- module-level names only when they hold a small plain value, or are the ``math`` module;
- at most :data:`MAX_NODES` syntax nodes.

So no integer grows past a few hundred bits, Python-level work is one pass over what the skill API
returned, and the one C-level way left to build something large (arrays broadcast against each
other: ``list(zip(a)) + a``) meets the memory window as a ``memory`` failure.

Coded actions (and code sub-tasks' programs) loop and step the environment, so they cannot be
bounded; :func:`uninterruptible_reason` proves the weaker property the timer needs: every loop is
a Python-level loop, which the timer stops between two bytecodes, and no single C-level operation
does more than one pass over data the memory window already bounds. The language is the one above
with these changes:

- ``for`` (over anything; ``range(...)`` only here or as a comprehension's iterable, never handed
  to a C function: ``sum(range(n))``), ``while``, ``break``, ``continue``, and ``name += <number>``
  / ``name -= <number>``; any number of comprehensions and ``+``; ``sum`` of one iterable only
  (``sum(lists, [])`` concatenates quadratically in C); ``*`` by any number literal (linear in the
  other operand); ``%`` by a number literal when no string of the program holds ``%`` (a remainder,
  never a format's padding); ``round`` to a literal number of digits (at most 20); calls of the
  program's other functions when they are proven too, take the skill API first and no call chain
  comes back to itself; literal default values;
- no ``sorted`` (``n log n`` over a list the size of the memory window is tens of seconds in C),
  no ``set``/``frozenset``/``dict`` of an iterable (integers equal modulo the hash modulus make
  each insertion scan all the others, in one C call), no ``divmod`` and ``//`` only by a number
  (a loop of ``+`` grows integers to millions of bits, and their long division is quadratic).

An action runs under :class:`InlineCall` with ``acts=True``: its actions are encoded as the code
host encodes them (numbers and numeric arrays only), and each environment step runs outside the
memory window (a step that allocates never fails for the code's sake; what it adds does not count
against the code). What is left of the child's guarantee is a delay: a call can outlive its
deadline by one C-level pass over at most ``memory_mb`` (seconds, not a hang). The window is the
process's: another thread that allocates while a call runs (a progress display) shares what the code
leaves of it.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import math
import os
import resource
import time
import types
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from rlgpt.code.errors import CodeRejected
from rlgpt.code.host import (
    HardFailures,
    HostLimits,
    decode_action,
    decode_return,
    encode_action,
    encode_return,
)
from rlgpt.code.limits import call_with_limits
from rlgpt.skills import actuator_of

BOUNDED_BUILTINS: frozenset[str] = frozenset(
    {
        "abs", "all", "any", "bool", "dict", "divmod", "enumerate", "float", "frozenset", "int", "isinstance",
        "len", "list", "max", "min", "reversed", "set", "sorted", "str", "sum", "tuple", "zip",
    }
)  # fmt: skip
"""Builtins a bounded function may use (each linear in its input, ``sorted`` ``n log n``)."""

BOUNDED_METHODS: frozenset[str] = frozenset(
    {"get", "items", "keys", "values", "count", "index", "startswith", "endswith", "lower", "upper", "strip"}
)
"""Methods a bounded function may call on any value (dictionaries, sequences, strings)."""

BOUNDED_ATTRIBUTES: frozenset[str] = frozenset({"shape", "size", "ndim"})
"""Attributes a bounded function may read on any value (arrays)."""

BOUNDED_MATH: frozenset[str] = frozenset(
    {"sqrt", "hypot", "floor", "ceil", "fabs", "dist", "isclose", "atan2", "cos", "sin", "pi", "inf"}
)
"""Names of the ``math`` module a bounded function may use."""

MAX_ADDITIONS = 8
MAX_NODES = 400
MAX_COMPREHENSION_LOOPS = 1
MAX_CONSTANT_REPR = 256
"""A module-level value a bounded function reads must print in at most this many characters."""

_SUPERLINEAR_BUILTINS = frozenset({"sorted", "set", "frozenset", "dict", "divmod"})
INTERRUPTIBLE_BUILTINS: frozenset[str] = (BOUNDED_BUILTINS - _SUPERLINEAR_BUILTINS) | {"range", "round"}
"""Builtins an interruptible function may use (``range`` only as a loop's iterable, ``round`` to at
most :data:`MAX_ROUND_DIGITS` digits given as a number)."""
MAX_ROUND_DIGITS = 20

MAX_ACTION_NODES = 2000
MAX_LITERAL = 2**32
"""Largest integer literal an interruptible function may multiply, divide or add by (``x * 3``)."""


@dataclass(frozen=True)
class _Language:
    """What a proof accepts: statements, builtins and the counted limits (``None``: none)."""

    statements: tuple[type[ast.stmt], ...]
    builtins: frozenset[str]
    max_nodes: int
    max_additions: int | None
    max_comprehension_loops: int | None
    loops: bool
    """Python-level loops allowed: ``range`` only as an iterable, ``//`` only by a number."""


_CHECKS = _Language(
    statements=(ast.Return, ast.If, ast.Assign, ast.Pass, ast.Expr),
    builtins=BOUNDED_BUILTINS,
    max_nodes=MAX_NODES,
    max_additions=MAX_ADDITIONS,
    max_comprehension_loops=MAX_COMPREHENSION_LOOPS,
    loops=False,
)
_ACTIONS = _Language(
    statements=(*_CHECKS.statements, ast.For, ast.While, ast.Break, ast.Continue, ast.AugAssign),
    builtins=INTERRUPTIBLE_BUILTINS,
    max_nodes=MAX_ACTION_NODES,
    max_additions=None,
    max_comprehension_loops=None,
    loops=True,
)
_FORBIDDEN_OPERATORS = (ast.Mult, ast.Pow, ast.LShift, ast.MatMult, ast.Mod)
_ALLOWED_EXPRESSIONS = (
    ast.BoolOp, ast.BinOp, ast.UnaryOp, ast.IfExp, ast.Dict, ast.Set, ast.ListComp, ast.SetComp, ast.DictComp,
    ast.GeneratorExp, ast.Compare, ast.Call, ast.Constant, ast.Attribute, ast.Subscript, ast.Starred,
    ast.Name, ast.List, ast.Tuple, ast.Slice, ast.comprehension, ast.keyword, ast.Load, ast.Store,
    ast.boolop, ast.operator, ast.unaryop, ast.cmpop,
)  # fmt: skip


def unbounded_reason(function: ast.FunctionDef, module: Mapping[str, Any]) -> str | None:
    """Why calls of ``function`` are not proven bounded (``None``: they are).

    :param function: the function's syntax tree (its first parameter is the skill API).
    :param module: the program's module-level names and their values (after loading).
    """
    return _Proof(module, _CHECKS, {}).reason(function)


def uninterruptible_reason(
    function: ast.FunctionDef, module: Mapping[str, Any], program: Mapping[str, ast.FunctionDef] | None = None
) -> str | None:
    """Why calls of ``function`` are not proven interruptible by the timer (``None``: they are).

    Interruptible: every loop is Python-level and no C-level operation does more than one pass over
    data the memory window bounds (the module doc lists the language).

    :param function: the function's syntax tree (its first parameter is the skill API).
    :param module: the program's module-level names and their values (after loading).
    :param program: the program's top-level functions (:func:`program_functions`): ``function`` may
        call those that are proven too, passing the skill API on, as long as none calls itself.
    """
    return _Proof(module, _ACTIONS, program or {function.name: function}).reason(function)


def program_functions(source: str) -> dict[str, ast.FunctionDef]:
    """The top-level functions of ``source`` by name."""
    return {node.name: node for node in ast.parse(source).body if isinstance(node, ast.FunctionDef)}


class _Proof:
    """One proof over a program: each helper is proven once, and a helper that reaches itself is recursion."""

    def __init__(
        self, module: Mapping[str, Any], language: _Language, program: Mapping[str, ast.FunctionDef]
    ) -> None:
        self.module, self.language, self.program = module, language, program
        self.formats = _formats_anywhere(module, program)
        self._proven: dict[str, str | None] = {}
        self._underway: set[str] = set()

    def reason(self, function: ast.FunctionDef) -> str | None:
        """Why ``function`` is not proven (``None``: it is)."""
        self._underway.add(function.name)
        try:
            return self._reason(function)
        finally:
            self._underway.discard(function.name)

    def _helper_reason(self, node: ast.Call, api: str) -> str | None:
        """A call of another function of the program: the skill API passed on, the helper proven."""
        name = node.func.id  # type: ignore[attr-defined]
        first = node.args[0] if node.args else None
        if not (isinstance(first, ast.Name) and first.id == api) or any(
            isinstance(arg, ast.Starred) for arg in node.args
        ) or any(keyword.arg is None for keyword in node.keywords):
            return f"it calls `{name}` without passing the skill API first"
        if name in self._underway:
            return f"it calls `{name}` recursively"
        if name not in self._proven:
            self._proven[name] = self.reason(self.program[name])
        helper = self._proven[name]
        return f"it calls `{name}`, and {helper}" if helper else None

    def _reason(self, function: ast.FunctionDef) -> str | None:
        language, module = self.language, self.module
        params = [a.arg for a in (*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs)]
        if not params or function.args.vararg or function.args.kwarg or function.decorator_list:
            return "it does not take the skill API alone"
        defaults = [d for d in (*function.args.defaults, *function.args.kw_defaults) if d is not None]
        if defaults and not (language.loops and all(isinstance(d, ast.Constant) for d in defaults)):
            return "it has default values"
        nodes = list(ast.walk(ast.Module(body=function.body, type_ignores=[])))
        if len(nodes) > language.max_nodes:
            return f"it has more than {language.max_nodes} syntax nodes"
        assigned = {n.id for n in nodes if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        shadowed = assigned & {params[0], "math", *language.builtins, *self.program}
        if shadowed:
            return f"it assigns to `{sorted(shadowed)[0]}`"
        locals_ = set(params) | assigned
        iterables = {id(node.iter) for node in nodes if isinstance(node, ast.For | ast.comprehension)}
        helpers = {
            id(node.func)
            for node in nodes
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in self.program
        }
        additions = loops = 0
        for node in nodes[1:]:
            if isinstance(node, ast.stmt):
                reason = _statement_reason(node, language)
            elif not isinstance(node, _ALLOWED_EXPRESSIONS):
                reason = f"it uses `{type(node).__name__}`"
            elif isinstance(node, ast.BinOp):
                reason = _operator_reason(node, language, self.formats)
                additions += isinstance(node.op, ast.Add)
            elif isinstance(node, ast.comprehension):
                reason, loops = None, loops + 1
            elif isinstance(node, ast.Call) and id(node.func) in helpers:
                reason = self._helper_reason(node, params[0])
            elif isinstance(node, ast.Call):
                reason = _call_reason(node, params[0], locals_, language.builtins)
                if not reason and language.loops:
                    reason = _loop_call_reason(node, iterables)
            elif isinstance(node, ast.Attribute):
                reason = _attribute_reason(node, params[0], module)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in locals_:
                reason = None if id(node) in helpers else _global_reason(node.id, module, language.builtins)
            else:
                reason = None
            if reason:
                return reason
        if language.max_additions is not None and additions > language.max_additions:
            return f"it has more than {language.max_additions} additions"
        if language.max_comprehension_loops is not None and loops > language.max_comprehension_loops:
            return f"it has more than {language.max_comprehension_loops} comprehension loop"
        return None


def _loop_call_reason(node: ast.Call, iterables: set[int]) -> str | None:
    """``range`` only as a loop's iterable; ``sum`` of one iterable (``sum(lists, [])`` is quadratic in C)."""
    name = node.func.id if isinstance(node.func, ast.Name) else None
    if name == "range" and id(node) not in iterables:
        return "it uses `range` other than as a loop's iterable"
    if name == "sum" and (len(node.args) != 1 or node.keywords):
        return "it calls `sum` with a start value"
    if name == "round" and (node.keywords or not (len(node.args) == 1 or _small_digits(node.args[1:]))):
        return f"it calls `round` with digits other than a number up to {MAX_ROUND_DIGITS}"
    return None


def _small_digits(args: list[ast.expr]) -> bool:
    """``round``'s digits: one integer literal of at most :data:`MAX_ROUND_DIGITS` either way."""
    if len(args) != 1 or not _is_number(args[0]):
        return False
    digits = args[0].operand if isinstance(args[0], ast.UnaryOp) else args[0]
    return type(digits.value) is int and abs(digits.value) <= MAX_ROUND_DIGITS  # type: ignore[attr-defined]


def _statement_reason(node: ast.stmt, language: _Language) -> str | None:
    if not isinstance(node, language.statements):
        return f"it uses `{type(node).__name__}`"
    if isinstance(node, ast.Assign) and not all(_names_only(t) for t in node.targets):
        return "it assigns to something other than a name"
    if isinstance(node, ast.For) and not _names_only(node.target):
        return "its loop assigns to something other than a name"
    if isinstance(node, ast.AugAssign) and not (
        isinstance(node.target, ast.Name)
        and isinstance(node.op, ast.Add | ast.Sub)
        and _is_number(node.value)
    ):
        return "it uses an augmented assignment other than `name += <number>` or `name -= <number>`"
    return None


def _operator_reason(node: ast.BinOp, language: _Language, formats: bool) -> str | None:
    by_number = language.loops and (
        (isinstance(node.op, ast.Mult) and (_is_number(node.left) or _is_number(node.right)))
        or (isinstance(node.op, ast.Mod) and _is_number(node.right) and not formats)
    )
    if isinstance(node.op, _FORBIDDEN_OPERATORS) and not (by_number or _scaled_by_float(node)):
        return f"it uses the operator `{type(node.op).__name__}`"
    if language.loops and isinstance(node.op, ast.FloorDiv) and not _is_number(node.right):
        return "it uses `//` by something other than a number"
    return None


def _formats_anywhere(module: Mapping[str, Any], program: Mapping[str, ast.FunctionDef]) -> bool:
    """Whether the program holds a string with ``%`` (``x % 5`` might pad a format, not take a remainder)."""
    constants = [n.value for f in program.values() for n in ast.walk(f) if isinstance(n, ast.Constant)]
    values = [
        v
        for k, v in module.items()
        if not k.startswith("__") and not callable(v) and not isinstance(v, types.ModuleType)
    ]
    return any("%" in (c if isinstance(c, str) else repr(c)) for c in (*constants, *values))


def _is_number(node: ast.expr) -> bool:
    """A numeric literal, negated or not: a float, or an integer of at most 32 bits (never a bool)."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        node = node.operand
    if not isinstance(node, ast.Constant):
        return False
    return type(node.value) is float or (type(node.value) is int and abs(node.value) <= MAX_LITERAL)


def _names_only(target: ast.expr) -> bool:
    """A name, or a tuple/list of names (``x, y = api.position()``)."""
    if isinstance(target, ast.Tuple | ast.List):
        return all(_names_only(item) for item in target.elts)
    if isinstance(target, ast.Starred):
        return _names_only(target.value)
    return isinstance(target, ast.Name)


def _scaled_by_float(node: ast.BinOp) -> bool:
    """``0.5 * x`` or ``x * 0.5``: a float cannot repeat a sequence or make a huge integer."""
    operands = [o.operand if isinstance(o, ast.UnaryOp) else o for o in (node.left, node.right)]
    return isinstance(node.op, ast.Mult) and any(
        isinstance(o, ast.Constant) and type(o.value) is float for o in operands
    )


def _call_reason(node: ast.Call, api: str, locals_: set[str], builtins: frozenset[str]) -> str | None:
    func = node.func
    if isinstance(func, ast.Name):
        if func.id in builtins and func.id not in locals_:
            return None
        return f"it calls `{func.id}`"
    if isinstance(func, ast.Attribute):
        if isinstance(func.value, ast.Name) and func.value.id in (api, "math"):
            return None  # the skill API's methods; math's checked as an attribute
        if func.attr in BOUNDED_METHODS:
            return None
        return f"it calls the method `{func.attr}`"
    return "it calls the result of an expression"


def _attribute_reason(node: ast.Attribute, api: str, module: Mapping[str, Any]) -> str | None:
    if isinstance(node.value, ast.Name) and node.value.id == api:
        return None
    if isinstance(node.value, ast.Name) and module.get(node.value.id) is math:
        return None if node.attr in BOUNDED_MATH else f"it uses `math.{node.attr}`"
    if node.attr in BOUNDED_METHODS or node.attr in BOUNDED_ATTRIBUTES:
        return None
    return f"it reads the attribute `{node.attr}`"


def _global_reason(name: str, module: Mapping[str, Any], builtins: frozenset[str]) -> str | None:
    if name in builtins and name not in module:
        return None
    if name not in module:
        return f"it reads `{name}`, which the program does not define"
    value = module[name]
    if value is math:
        return None
    if isinstance(value, types.ModuleType) or callable(value):
        return f"it uses `{name}`"
    if len(repr(value)) > MAX_CONSTANT_REPR:
        return f"it reads `{name}`, a large value"
    return None


def function_node(source: str, name: str) -> ast.FunctionDef | None:
    """The top-level function ``name`` of ``source`` (``None`` when it defines none)."""
    return program_functions(source).get(name)


def memory_window_supported() -> bool:
    """Whether this platform can lower the address-space limit around a call (Linux)."""
    return hasattr(resource, "RLIMIT_AS") and os.path.exists(_STATM)


class InlineCall:
    """A proven function called in this process, as :class:`~rlgpt.code.CodeHost` would call it.

    The call runs under :func:`~rlgpt.code.call_with_limits` and :func:`memory_window`; its return
    value comes back as the host returns it (plain numbers, anything else as its truth and ``repr``),
    and a function that fails hard (timeout, memory) ``disable_after`` times is disabled, as the host
    disables it.

    :param function: the compiled function (proven by :func:`unbounded_reason`, or by
        :func:`uninterruptible_reason` when ``acts``).
    :param timeout_s: wall-clock limit of a call (:func:`~rlgpt.code.call_with_limits`).
    :param memory_mb: memory the call may add to what the process maps.
    :param on_failure: called with the function's name and the failure before it is raised
        (the run's log of failed calls, as the host keeps it).
    :param acts: the function steps the environment (a coded action): each step's action is
        encoded as the host encodes it, the step runs outside the memory window, and a call that
        runs out of memory is not run again (it may have stepped).
    :param disable_after: hard failures after which the function is disabled.
    """

    def __init__(
        self,
        function: Callable[..., Any],
        *,
        timeout_s: float,
        memory_mb: int,
        on_failure: Callable[[str, CodeRejected], None] | None = None,
        acts: bool = False,
        disable_after: int = HostLimits.disable_after,
    ) -> None:
        self.function, self.timeout_s, self.memory_mb = function, timeout_s, memory_mb
        self.on_failure, self.acts = on_failure, acts
        self.hard_failures = HardFailures(disable_after)
        self.__name__ = self.__qualname__ = getattr(function, "__name__", "function")

    def __call__(self, *args: Any) -> Any:
        name = self.__name__
        self.hard_failures.check(name)
        try:
            if self.acts:
                return self._act(args)
            try:
                return self._call(args, MAPPED_MAX_AGE_S)
            except CodeRejected as exc:
                if exc.reason != "memory":
                    raise
                return self._call(args, 0.0)  # the process may have grown since it was last read
        except CodeRejected as exc:
            if self.on_failure is not None:
                self.on_failure(name, exc)
            self.hard_failures.record(name, exc)
            raise

    def _call(self, args: tuple[Any, ...], max_age_s: float) -> Any:
        with memory_window(self.memory_mb, max_age_s):
            value = call_with_limits(self.function, *args, timeout_s=self.timeout_s)
        return decode_return(encode_return(self.__name__, value))

    def _act(self, args: tuple[Any, ...]) -> Any:
        actuator = actuator_of(args[0])
        step = actuator.step
        with memory_window(self.memory_mb) as window:
            if step is not None:
                actuator.step = functools.partial(_step_outside, window, step)
            try:
                value = call_with_limits(self.function, *args, timeout_s=self.timeout_s)
            finally:
                actuator.step = step
        return decode_return(encode_return(self.__name__, value))


def _step_outside(window: MemoryWindow, step: Callable[[Any], Any], action: Any) -> Any:
    """Take ``step(action)`` for generated code: the action as the host would pass it, outside the window."""
    try:
        action = decode_action(encode_action(action))
    except ValueError as exc:
        raise TypeError(str(exc)) from None
    with window.lifted():
        return step(action)


MAPPED_MAX_AGE_S = 0.25
"""How old a reading of the process's mapped size an inline call may use (reading it costs more than a
small call); a call that runs out of memory under an old reading is run again under a fresh one."""
_STATM = "/proc/self/statm"
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
_statm: dict[int, tuple[int, int, float]] = {}
"""Process id -> (an open descriptor of its ``/proc/self/statm``, the last reading, when it was read)."""


def mapped_bytes(max_age_s: float = 0.0) -> int:
    """The address space this process maps, read at most ``max_age_s`` seconds ago."""
    pid, now = os.getpid(), time.monotonic()
    if pid not in _statm:
        _statm.clear()  # a forked child's inherited descriptor reads its parent
        _statm[pid] = (os.open(_STATM, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0)), 0, -math.inf)
    fd, mapped, read_at = _statm[pid]
    if now - read_at > max_age_s:
        mapped = int(os.pread(fd, 128, 0).split()[0]) * _PAGE
        _statm[pid] = (fd, mapped, now)
    return mapped


class MemoryWindow:
    """The address-space limit a :func:`memory_window` block runs under (``limit`` bytes)."""

    def __init__(self, limit: int, saved: tuple[int, int]) -> None:
        self.limit, self.saved = limit, saved

    def apply(self) -> None:
        """Set the process's limit to the window (never above the limit it replaced)."""
        limit = self.limit
        for previous in self.saved:
            if previous != resource.RLIM_INFINITY:
                limit = min(limit, previous)
        resource.setrlimit(resource.RLIMIT_AS, (limit, self.saved[1]))

    @contextlib.contextmanager
    def lifted(self) -> Iterator[None]:
        """Run the block (an environment step) under the limit the window replaced; what the process
        maps more after it widens the window, so the code is not charged for it."""
        before = mapped_bytes()
        resource.setrlimit(resource.RLIMIT_AS, self.saved)
        try:
            yield
        finally:
            self.limit += max(mapped_bytes() - before, 0)
            self.apply()


@contextlib.contextmanager
def memory_window(memory_mb: int, max_age_s: float = 0.0) -> Iterator[MemoryWindow]:
    """Lower this process's address-space limit to what it maps plus ``memory_mb`` while the block runs.

    An allocation past it raises :class:`MemoryError` (numpy's included) inside the block; the
    previous limit is restored on the way out. ``max_age_s``: how old the reading of what the process
    maps may be (:func:`mapped_bytes`).
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    window = MemoryWindow(mapped_bytes(max_age_s) + memory_mb * 2**20, (soft, hard))
    window.apply()
    try:
        yield window
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
