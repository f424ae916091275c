"""Feedback as request tags: replayed answers match on what the feedback says, not on its words."""

from __future__ import annotations

import json

from rlgpt.agents.base import IterationFeedback
from rlgpt.agents.feedback_tags import critique_tags, feedback_tags, rollout_tags
from rlgpt.agents.schemas import Critique
from rlgpt.llm.transcript import find_answer, load_transcript

CRITIQUE = Critique.model_validate(
    {
        "verdicts": [
            {"subtask": "wood", "verdict": "replan", "reason": "it stops at 3 wood"},
            {"subtask": "pickaxe", "verdict": "ok", "reason": "fine"},
        ],
        "planner_feedback": "Collect 6 wood.",
        "replan": True,
    }
)
REWORDED = CRITIQUE.model_copy(
    update={
        "verdicts": [v.model_copy(update={"reason": f"reworded: {v.subtask}"}) for v in CRITIQUE.verdicts],
        "planner_feedback": "Gather more timber first.",
    }
)


def feedback(success: dict[str, float], critique: Critique | None) -> IterationFeedback:
    return IterationFeedback(0, None, 0.0, "any words", critique, subtask_success=success)


def test_the_statistics_and_the_verdicts_become_tags():
    assert rollout_tags({"wood": 1.0, "pickaxe": 0.0, "table": 0.5}) == {"unreached.pickaxe": "true"}
    assert critique_tags(CRITIQUE) == {"verdict.wood": "replan", "verdict.pickaxe": "ok", "replan": "true"}
    assert critique_tags(None) == {} and feedback_tags(None) == {}
    assert feedback_tags(feedback({"pickaxe": 0.0}, CRITIQUE)) == {
        "feedback.unreached.pickaxe": "true",
        "feedback.verdict.wood": "replan",
        "feedback.verdict.pickaxe": "ok",
        "feedback.replan": "true",
    }


def test_a_critique_in_other_words_finds_the_same_replayed_answer(tmp_path):
    path = tmp_path / "t.jsonl"
    entries = [
        {"match": {"role": "planner"}, "response": "first plan"},
        {"match": {"role": "planner", "feedback.verdict.wood": "replan"}, "response": "more wood"},
        {"match": {"role": "planner", "feedback.unreached.pickaxe": "true"}, "response": "from the numbers"},
    ]
    path.write_text("".join(json.dumps(e) + "\n" for e in entries))
    transcript = load_transcript(path)

    def answer(previous: IterationFeedback | None) -> str:
        return find_answer(transcript, {"role": "planner"} | feedback_tags(previous)).response

    assert answer(None) == "first plan"
    assert answer(feedback({}, CRITIQUE)) == answer(feedback({}, REWORDED)) == "more wood"
    assert answer(feedback({"pickaxe": 0.0}, None)) == "from the numbers", "no critic: the statistics"
