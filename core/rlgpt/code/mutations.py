"""Imperfect code on purpose: the mistakes a weak coder makes, applied to programs reproducibly.

RL-GPT's premise is that an LLM writes *imperfect* low-level code and RL makes up the difference.
To measure that premise on a code-quality axis, a run can degrade every program its coder writes
(``code.mutation_rate`` in the run config) with a documented set of mutations, each a mistake seen
in small models' programs:

========================  ===============================================================
operator                  what it does to a site
========================  ===============================================================
``constant``              a number is wrong: an int moves by one, a float halves or doubles
``comparison``            a threshold is off by one: ``<`` and ``<=`` (``>`` and ``>=``) swap
``drop_step``             a step is missing: a statement that calls something becomes ``pass``
``swap_steps``            two steps run in the wrong order: adjacent simple statements swap
``missing_precondition``  a guard is gone: an ``if`` test becomes ``True``
``loop_bound``            a loop runs once too few: ``range(..., n)`` becomes ``range(..., n - 1)``
``wrong_target``          the wrong object: a string argument or key becomes another one of the program's
========================  ===============================================================

Every site of every operator is mutated independently with probability ``rate``, drawn from a
generator seeded by the run's seed and the request (sub-task, iteration, attempt), so the same run
degrades the same program the same way, and a fix request gets a fresh draw (a weak coder's second
try has other bugs). The done condition (``done``) and the shaped reward (``reward``) are left
intact: they define the sub-task, and the experiment is about the behaviour code.
"""

from __future__ import annotations

import ast
import hashlib
import random
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from rlgpt.llm.types import LLM, Completion, Request
from rlgpt.llm.wrapper import LLMWrapper

OPERATORS = (
    "constant",
    "comparison",
    "drop_step",
    "swap_steps",
    "missing_precondition",
    "loop_bound",
    "wrong_target",
)
"""Every mutation operator, in the order sites are collected."""

PROTECTED_FUNCTIONS = frozenset({"done", "reward"})
"""Functions left as written: they define the sub-task rather than act in it."""

_PYTHON_FENCE = re.compile(r"(```[ \t]*(?:python3?|py)?[ \t]*\n)(.*?)(```)", re.DOTALL)
_SWAPPABLE = (ast.Expr, ast.Assign, ast.AugAssign, ast.AnnAssign)
_COMPARISON_SWAPS: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
}


@dataclass(frozen=True)
class Mutation:
    """One applied mistake.

    :param operator: one of :data:`OPERATORS`.
    :param function: the function it is in.
    :param line: its line in the original program.
    :param detail: what changed, e.g. ``"3 -> 2"``.
    """

    operator: str
    function: str
    line: int
    detail: str

    def describe(self) -> str:
        """One line: ``drop_step in collect_wood, line 4: api.move('left')``."""
        return f"{self.operator} in {self.function}, line {self.line}: {self.detail}"


@dataclass(frozen=True)
class MutatedProgram:
    """A program after :func:`mutate_source`.

    :param source: the program (unchanged text when no site was drawn).
    :param mutations: what was changed, in program order.
    """

    source: str
    mutations: tuple[Mutation, ...]


@dataclass
class _Site:
    operator: str
    function: str
    node: ast.AST
    apply: Callable[[], str]


def mutate_source(
    source: str,
    rate: float,
    rng: random.Random,
    operators: Sequence[str] = OPERATORS,
) -> MutatedProgram:
    """Apply each mutation site of ``source`` with probability ``rate``.

    :param source: a Python module (a coder's program).
    :param rate: probability that each site is mutated, in ``[0, 1]``.
    :param rng: the random draws (seed it for a reproducible program).
    :param operators: which of :data:`OPERATORS` may apply.
    :returns: the mutated program; ``source`` itself, unchanged, when it does not parse or no site
        was drawn (so comments and layout survive at low rates).
    :raises ValueError: ``rate`` outside ``[0, 1]`` or an unknown operator.
    """
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"mutation rate must be in [0, 1], got {rate}")
    unknown = sorted(set(operators) - set(OPERATORS))
    if unknown:
        raise ValueError(f"unknown mutation operator(s) {', '.join(unknown)}; known: {', '.join(OPERATORS)}")
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return MutatedProgram(source, ())
    sites = [site for site in _sites(tree, rng) if site.operator in operators]
    chosen = [site for site in sites if rng.random() < rate]
    if not chosen:
        return MutatedProgram(source, ())
    mutations = []
    for site in chosen:  # line numbers are read before any change
        line = getattr(site.node, "lineno", 0)
        mutations.append(Mutation(site.operator, site.function, line, site.apply()))
    return MutatedProgram(ast.unparse(ast.fix_missing_locations(tree)) + "\n", tuple(mutations))


def mutate_answer(text: str, rate: float, rng: random.Random) -> tuple[str, tuple[Mutation, ...]]:
    """Mutate the program in a coder's answer: each fenced Python block, or the whole reply when it
    has no fence. Text around the code is kept."""
    blocks = list(_PYTHON_FENCE.finditer(text))
    if not blocks:
        mutated = mutate_source(text, rate, rng)
        return mutated.source, mutated.mutations
    pieces, applied, end = [], [], 0
    for block in blocks:
        mutated = mutate_source(block.group(2), rate, rng)
        pieces += [text[end : block.start(2)], mutated.source]
        applied += mutated.mutations
        end = block.end(2)
    return "".join(pieces) + text[end:], tuple(applied)


def request_rng(seed: int, tags: Mapping[str, str]) -> random.Random:
    """The generator of one coder request: the run's seed with the request's sub-task, iteration
    and attempt (stable across processes and Python versions)."""
    key = "|".join(str(tags.get(name, "")) for name in ("subtask", "iteration", "attempt"))
    digest = hashlib.sha256(f"{seed}|{key}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


class MutatingLLM(LLMWrapper):
    """Degrades the programs a coder answers with (:func:`mutate_answer`); other roles pass through.

    :param inner: the coder's LLM.
    :param rate: the probability of each mutation site.
    :param seed: the run's seed.
    :param emit: ``emit(kind, **data)``: told ``code_mutated`` with the request's sub-task, iteration,
        attempt and the mistakes (one line each) whenever an answer was changed.
    """

    def __init__(self, inner: LLM, rate: float, seed: int, emit: Callable[..., Any] | None = None) -> None:
        super().__init__(inner)
        self.rate, self.seed, self._emit = rate, seed, emit

    def complete(self, request: Request) -> Completion:
        """The inner LLM's answer, its programs mutated when the request is a coder's."""
        completion = self.inner.complete(request)
        if request.tags.get("role") != "coder":
            return completion
        text, mutations = mutate_answer(completion.text, self.rate, request_rng(self.seed, request.tags))
        if not mutations:
            return completion
        if self._emit is not None:
            self._emit(
                "code_mutated",
                subtask=request.tags.get("subtask"),
                iteration=request.tags.get("iteration"),
                attempt=request.tags.get("attempt"),
                mutations=[mutation.describe() for mutation in mutations],
            )
        return replace(completion, text=text)


# ---------------------------------------------------------------------------------------- sites


def _sites(tree: ast.Module, rng: random.Random) -> Iterator[_Site]:
    """Every mutation site of every unprotected top-level function, in source order per operator."""
    strings = sorted({node.value for node in _string_arguments(tree)})
    for function in tree.body:
        if not isinstance(function, ast.FunctionDef) or function.name in PROTECTED_FUNCTIONS:
            continue
        name = function.name
        loop_bounds = {id(call.args[-1]) for call in _range_calls(function)}
        for node in ast.walk(function):
            if isinstance(node, ast.Constant) and _is_number(node) and id(node) not in loop_bounds:
                yield _Site("constant", name, node, _change_constant(node, rng))
            if isinstance(node, ast.Compare):
                for index, op in enumerate(node.ops):
                    if type(op) in _COMPARISON_SWAPS:
                        yield _Site("comparison", name, node, _swap_comparison(node, index))
            if isinstance(node, ast.If):
                yield _Site("missing_precondition", name, node, _drop_guard(node))
        for body in _bodies(function):
            for index, statement in enumerate(body):
                if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
                    yield _Site("drop_step", name, statement, _drop(body, index))
                if index + 1 < len(body) and all(_is_step(s) for s in body[index : index + 2]):
                    yield _Site("swap_steps", name, statement, _swap(body, index))
        for call in _range_calls(function):
            yield _Site("loop_bound", name, call, _shorten(call))
        for node in _string_arguments(function):
            others = [value for value in strings if value != node.value]
            if others:
                yield _Site("wrong_target", name, node, _retarget(node, rng.choice(others)))


def _is_step(statement: ast.stmt) -> bool:
    """A simple statement that does something (a docstring or a bare constant is no step)."""
    if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
        return False
    return isinstance(statement, _SWAPPABLE)


def _bodies(function: ast.FunctionDef) -> Iterator[list[ast.stmt]]:
    for node in ast.walk(function):
        for field in ("body", "orelse", "finalbody"):
            body = getattr(node, field, None)
            if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
                yield body


def _range_calls(node: ast.AST) -> list[ast.Call]:
    return [
        call
        for call in ast.walk(node)
        if isinstance(call, ast.Call)
        and isinstance(call.func, ast.Name)
        and call.func.id == "range"
        and 1 <= len(call.args) <= 2
    ]


def _string_arguments(node: ast.AST) -> list[ast.Constant]:
    """String constants passed to a call or used as a key (object names, targets, inventory items)."""
    found = []
    for parent in ast.walk(node):
        if isinstance(parent, ast.Call):
            found += [*parent.args, *(keyword.value for keyword in parent.keywords)]
        elif isinstance(parent, ast.Subscript):
            found.append(parent.slice)
    return [item for item in found if isinstance(item, ast.Constant) and isinstance(item.value, str)]


def _is_number(node: ast.Constant) -> bool:
    return isinstance(node.value, int | float) and not isinstance(node.value, bool)


# ------------------------------------------------------------------------------------ operators


def _change_constant(node: ast.Constant, rng: random.Random) -> Callable[[], str]:
    def apply() -> str:
        old = node.value
        if isinstance(old, int):
            node.value = old + rng.choice((-1, 1)) if old != 0 else 1
        else:
            node.value = old * rng.choice((0.5, 2.0)) if old != 0 else 0.5
        return f"{old!r} -> {node.value!r}"

    return apply


def _swap_comparison(node: ast.Compare, index: int) -> Callable[[], str]:
    def apply() -> str:
        old = node.ops[index]
        node.ops[index] = _COMPARISON_SWAPS[type(old)]()
        return f"{_symbol(old)} -> {_symbol(node.ops[index])}"

    return apply


def _symbol(op: ast.cmpop) -> str:
    return {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}[type(op)]


def _drop_guard(node: ast.If) -> Callable[[], str]:
    def apply() -> str:
        old = ast.unparse(node.test)
        node.test = ast.Constant(True)
        return f"if {old} -> if True"

    return apply


def _drop(body: list[ast.stmt], index: int) -> Callable[[], str]:
    statement = body[index]

    def apply() -> str:
        position = body.index(statement)  # an earlier swap may have moved it
        body[position] = ast.copy_location(ast.Pass(), statement)
        return ast.unparse(statement)

    return apply


def _swap(body: list[ast.stmt], index: int) -> Callable[[], str]:
    first, second = body[index], body[index + 1]

    def apply() -> str:
        if first not in body or second not in body:  # one was dropped: nothing left to swap
            return "(already dropped)"
        i, j = body.index(first), body.index(second)
        body[i], body[j] = second, first
        return f"{ast.unparse(first)} <-> {ast.unparse(second)}"

    return apply


def _shorten(call: ast.Call) -> Callable[[], str]:
    def apply() -> str:
        old = ast.unparse(call)
        bound = call.args[-1]
        call.args[-1] = ast.BinOp(left=bound, op=ast.Sub(), right=ast.Constant(1))
        return f"{old} -> {ast.unparse(call)}"

    return apply


def _retarget(node: ast.Constant, value: str) -> Callable[[], str]:
    def apply() -> str:
        old = node.value
        node.value = value
        return f"{old!r} -> {value!r}"

    return apply
