"""Answer metrics from a run's events: plan validity, code acceptance per attempt, failure kinds, calls."""

from __future__ import annotations

from rlgpt.llm.answer_metrics import answer_metrics, failure_kind


def call(role: str, cached: bool, tokens: int = 10) -> dict:
    return {
        "kind": "llm_call",
        "tags": {"role": role},
        "cached": cached,
        "prompt_tokens": tokens,
        "completion_tokens": 1,
    }


EVENTS = [
    {"kind": "planning"},
    call("planner", False),
    {"kind": "plan_rejected", "error": "invalid JSON: Expecting ',' delimiter: line 21 column 80"},
    {"kind": "planning"},
    call("planner", True),
    {"kind": "plan"},
    {"kind": "code_rejected", "attempt": 0, "reason": "missing_function"},
    call("coder", False, 30),
    {"kind": "code_accepted", "attempt": 1},
    {"kind": "code_accepted", "attempt": 0},
    {"kind": "critique_rejected", "error": "JSON does not match the schema: replan: field required"},
    {"kind": "planning"},
    {"kind": "plan_rejected", "error": "the JSON object is cut off: it opens with '{' but never closes"},
    {"kind": "plan"},  # a plan no planner wrote (pure RL) is not counted
]


def test_metrics_count_plans_code_failures_and_calls():
    metrics = answer_metrics(EVENTS).to_dict()
    assert (metrics["plans_asked"], metrics["plans_valid"]) == (3, 1)
    assert metrics["plan_valid_rate"] == 1 / 3
    assert metrics["planner_failures"] == {"invalid_json": 1, "cut_off": 1}
    assert metrics["critic_failures"] == {"schema": 1}
    assert metrics["code_acceptance_by_attempt"] == {"0": 0.5, "1": 1.0}
    assert metrics["code_rejections"] == {"missing_function": 1}
    assert metrics["calls"]["planner"] == {
        "fresh_calls": 1,
        "cached_calls": 1,
        "fresh_tokens": 11,
        "cached_tokens": 11,
    }
    assert metrics["calls"]["coder"]["fresh_tokens"] == 31


def test_failure_kinds():
    assert failure_kind("x; the repair repeated the same answer") == "repeated"
    assert failure_kind("the answer is empty; answer with one JSON object {...}") == "empty"
    assert failure_kind("the answer is a JSON array, not an object; answer with one") == "not_an_object"
    assert failure_kind("something new") == "other"
    assert answer_metrics([]).plan_valid_rate is None
