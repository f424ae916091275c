"""Imperfect code on purpose: each mutation operator, how much the rate changes, reproducibility."""

from __future__ import annotations

import ast
import random

import pytest
from rlgpt.code.mutations import OPERATORS, mutate_answer, mutate_source, request_rng

PROGRAM = '''
def chop(api):
    """Walk to the tree and chop."""
    if api.nearest("tree") is None:
        api.explore()
        return False
    start = api.inventory()["wood"]
    for _ in range(10):
        if api.inventory()["wood"] > start:
            break
        api.move("left")
        api.do()
    return api.inventory()["wood"] >= start + 1


def done(api):
    return api.inventory()["wood"] >= 3
'''


def _function(source: str, name: str) -> str:
    tree = ast.parse(source)
    return next(ast.unparse(node) for node in tree.body if getattr(node, "name", None) == name)


@pytest.mark.parametrize(
    ("operator", "before", "after"),
    [
        ("constant", "range(10)", None),  # the loop bound is loop_bound's site, not constant's
        ("comparison", "> start", ">= start"),
        ("drop_step", "api.explore()", None),
        ("swap_steps", None, None),
        ("missing_precondition", "is None:", "if True:"),
        ("loop_bound", "range(10)", "range(10 - 1)"),
        ("wrong_target", "api.move('left')", None),
    ],
)
def test_each_operator_changes_only_its_kind_of_site(operator, before, after) -> None:
    mutated = mutate_source(PROGRAM, 1.0, random.Random(0), operators=[operator])
    assert mutated.mutations and {m.operator for m in mutated.mutations} == {operator}
    assert all(m.function == "chop" for m in mutated.mutations)
    ast.parse(mutated.source)  # still a program
    assert _function(mutated.source, "done") == _function(PROGRAM, "done")  # the goal stays as written
    assert _function(mutated.source, "chop") != _function(PROGRAM, "chop")
    if after is not None:
        assert after in mutated.source
    if operator == "constant":
        assert "range(10)" in mutated.source and "start + 1" not in mutated.source
    if operator == "drop_step":
        assert "api.explore()" not in mutated.source and "api.do()" not in mutated.source
    if operator == "wrong_target":  # every string argument or key now names another of the program's
        assert "'left'" not in mutated.source and "api.nearest('tree')" not in mutated.source


def test_a_docstring_is_no_step_to_swap() -> None:
    source = 'def act(api):\n    """Move, then strike."""\n    api.move("left")\n    api.do()\n'
    mutated = mutate_source(source, 1.0, random.Random(0), operators=["swap_steps"])
    assert [m.detail for m in mutated.mutations] == ["api.move('left') <-> api.do()"]
    assert mutated.source.index('"""Move, then strike."""') < mutated.source.index("api.do()")


def test_rate_zero_leaves_the_text_as_written_and_the_rate_sets_how_much_changes() -> None:
    assert mutate_source(PROGRAM, 0.0, random.Random(0)).source == PROGRAM
    counts = {
        rate: sum(len(mutate_source(PROGRAM, rate, random.Random(seed)).mutations) for seed in range(40))
        for rate in (0.1, 0.5, 1.0)
    }
    assert 0 < counts[0.1] < counts[0.5] < counts[1.0]
    every = mutate_source(PROGRAM, 1.0, random.Random(0))
    assert {m.operator for m in every.mutations} == set(OPERATORS)


def test_the_same_seed_and_request_degrade_a_program_the_same_way() -> None:
    tags = {"role": "coder", "subtask": "collect_wood", "iteration": "0", "attempt": "0"}
    first = mutate_source(PROGRAM, 0.4, request_rng(3, tags))
    again = mutate_source(PROGRAM, 0.4, request_rng(3, dict(tags)))
    assert first == again
    draws = {mutate_source(PROGRAM, 0.4, request_rng(seed, tags)).source for seed in range(8)}
    assert len(draws) > 1  # another seed, another program
    fix = mutate_source(PROGRAM, 0.4, request_rng(3, {**tags, "attempt": "1"}))
    assert fix != first or not first.mutations  # a fix request gets its own draw


def test_an_answer_keeps_its_prose_and_fences_and_bad_input_is_refused() -> None:
    answer = f"Here it is:\n```python\n{PROGRAM}```\nThat's all."
    text, mutations = mutate_answer(answer, 1.0, random.Random(1))
    assert mutations and text.startswith("Here it is:\n```python\n") and text.endswith("```\nThat's all.")
    assert mutate_answer("not python at all (", 1.0, random.Random(0)) == ("not python at all (", ())
    with pytest.raises(ValueError, match=r"in \[0, 1\]"):
        mutate_source(PROGRAM, 1.5, random.Random(0))
    with pytest.raises(ValueError, match="unknown mutation operator"):
        mutate_source(PROGRAM, 0.5, random.Random(0), operators=["typo"])
