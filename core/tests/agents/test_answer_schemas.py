"""Answer schemas from the pydantic models, and the ask-validate-repair exchange that sends them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from rlgpt.agents import MalformedAnswer
from rlgpt.agents.conversation import ask_json
from rlgpt.agents.schemas import Critique, Plan, critique_schema, plan_schema
from rlgpt.llm import Completion, JsonSchema, Request, SamplingParams, Usage, user

REFERENCE = Path(__file__).parents[3] / "examples" / "transcripts" / "crafter.jsonl"
MOVES = ["noop", "move_left", "move_right", "move_up", "move_down", "do"]


def reference_answers(role: str) -> list[dict[str, Any]]:
    """The reference transcript's answers for ``role``, parsed (one-agent answers hold a plan and code)."""
    lines = [json.loads(line) for line in REFERENCE.read_text().splitlines() if line.startswith("{")]
    entries = [e for e in lines if e["match"].get("role") == role and e["match"].get("agents") != "one-agent"]
    return [json.loads(entry["response"]) for entry in entries]


def objects(node: Any) -> list[dict[str, Any]]:
    """Every object schema inside ``node``."""
    found = []
    if isinstance(node, dict):
        if node.get("type") == "object":
            found.append(node)
        for value in node.values():
            found += objects(value)
    elif isinstance(node, list):
        for value in node:
            found += objects(value)
    return found


@pytest.mark.parametrize("schema", [plan_schema(MOVES).schema, critique_schema(["a", "b"]).schema])
def test_schemas_are_in_the_strict_subset(schema):
    assert "$defs" not in json.dumps(schema) and '"title"' not in json.dumps(schema)
    for node in objects(schema):
        assert node["additionalProperties"] is False
        assert node["required"] == list(node["properties"])


@pytest.mark.parametrize("answer", reference_answers("planner"))
def test_the_reference_plans_match_the_plan_schema(answer):
    jsonschema.validate(answer, plan_schema(MOVES).schema)
    Plan.model_validate(answer)


def test_the_plan_schema_rejects_what_the_plan_model_rejects():
    schema = plan_schema(MOVES).schema
    code = {"name": "craft", "description": "d", "method": "code", "done_condition": "c", "max_steps": None}
    rl = {**code, "name": "walk", "method": "rl", "coded_actions": [], "primitives": ["move_left"]}
    jsonschema.validate({"rationale": "", "subtasks": [code, rl]}, schema)
    macro = {"name": "chop", "description": "d"}
    bad = [
        [{**code, "coded_actions": [macro]}],  # coded actions on a code sub-task
        [{**rl, "primitives": ["fly"]}],  # not a primitive of the environment
        [{**code, "name": "craft table"}],  # not an identifier
        [{**rl, "coded_actions": [macro] * 5}],  # too many coded actions
        [code] * 9,  # too many sub-tasks
        [],
    ]
    for subtasks in bad:
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({"rationale": "", "subtasks": subtasks}, schema)
    with pytest.raises(ValueError):
        Plan.model_validate({"subtasks": [{**code, "coded_actions": [macro]}]})
    with pytest.raises(ValueError):
        Plan.model_validate({"subtasks": [{**code, "name": "craft table"}]})


def test_the_critique_schema_names_the_plans_subtasks():
    schema = critique_schema(["get_wood", "build"]).schema
    verdict = {"subtask": "get_wood", "verdict": "ok", "reason": "r"}
    critique = {"verdicts": [verdict], "planner_feedback": "", "coder_feedback": "", "replan": False}
    jsonschema.validate(critique, schema)
    Critique.model_validate(critique)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**critique, "verdicts": [{**verdict, "subtask": "fly"}]}, schema)


class Scripted:
    """An LLM answering a fixed list of texts in order and keeping the requests it was sent."""

    backend, model, supports_images = "scripted", "scripted", False
    output_kinds = frozenset({"json_schema"})

    def __init__(self, *answers: str) -> None:
        self.answers = list(answers)
        self.requests: list[Request] = []

    def complete(self, request: Request) -> Completion:
        self.requests.append(request)
        return Completion(self.answers.pop(0), Usage(10, 5), 0.0, self.model, self.backend)


GOOD = json.dumps({"verdicts": [], "planner_feedback": "", "coder_feedback": "", "replan": False})
PARAMS = SamplingParams(max_tokens=64)


def test_the_schema_goes_with_the_request_and_with_its_repair():
    llm = Scripted("not json", GOOD)
    output = critique_schema(["a"])
    ask_json(llm, [user("judge")], Critique, "critic", {"role": "critic"}, PARAMS, output)
    assert [r.output for r in llm.requests] == [output, output]
    assert llm.requests[1].tags["repair"] == "1"


def test_a_repair_that_repeats_the_answer_stops_the_exchange():
    llm = Scripted("not json", "not json", GOOD)
    with pytest.raises(MalformedAnswer, match="repeated the same answer"):
        ask_json(llm, [user("judge")], Critique, "critic", {}, PARAMS, JsonSchema("critique", {}))
    assert len(llm.requests) == 2
