"""A JSON answer that cannot be read says why: empty, an array, cut off, or no object at all."""

from __future__ import annotations

import pytest
from rlgpt.agents.conversation import parse_json
from rlgpt.agents.schemas import Critique


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("", "the answer is empty"),
        ("   \n", "the answer is empty"),
        ('[{"planner_feedback": "x"}]', "a JSON array, not an object"),
        ('{"planner_feedback": "keep the plan", "replan": fal', "cut off"),
        ("I think the plan is fine.", "no JSON object found"),
    ],
)
def test_unreadable_json_answers_say_what_is_wrong(answer, expected):
    with pytest.raises(ValueError, match=expected):
        parse_json(answer, Critique)


def test_a_raw_newline_inside_a_string_is_read_as_llama_cpp_servers_send_it():
    critique = parse_json('{"planner_feedback": "keep it\nas it is", "replan": false}', Critique)
    assert critique.planner_feedback == "keep it\nas it is"
