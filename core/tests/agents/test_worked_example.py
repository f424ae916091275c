"""The worked example: a reference plan and its programs for another task, shown in the prompts."""

from __future__ import annotations

import json
from pathlib import Path

from rlgpt.agents.base import PlanningContext
from rlgpt.agents.builtin import DefaultPlanner, coder_messages, planner_messages
from rlgpt.agents.examples import load_example
from rlgpt.agents.schemas import Plan
from rlgpt.llm import Completion, Request, Usage

from .test_coder import ENV, REQUEST, TASK

PLAN = {
    "rationale": "walk, then learn",
    "subtasks": [
        {"name": "walk", "description": "walk right", "method": "code", "done_condition": "at goal"},
        {
            "name": "learn",
            "description": "learn the rest",
            "method": "rl",
            "done_condition": "at end",
            "coded_actions": [{"name": "hop", "description": "hop once"}],
            "primitives": ["left"],
        },
    ],
}
WALK = "```python\ndef walk(api):\n    return True\n```"


def transcript(tmp_path: Path) -> Path:
    entries = [
        {"match": {"role": "planner", "task": "reach"}, "response": "{}"},
        {"match": {"role": "planner", "task": "other", "method": "pure-code"}, "response": "{}"},
        {"match": {"role": "planner", "task": "other"}, "response": json.dumps(PLAN)},
        {"match": {"role": "coder", "task": "other", "subtask": "walk"}, "response": WALK},
    ]
    path = tmp_path / "reference.jsonl"
    path.write_text("".join(json.dumps(entry) + "\n" for entry in entries))
    return path


def test_the_example_is_another_tasks_plan_with_its_programs(tmp_path):
    example = load_example(transcript(tmp_path), "reach")
    assert example.task == "other" and example.plan == Plan.model_validate(PLAN)
    assert example.programs == {"walk": WALK}
    assert example.program_for("code") == ("walk", WALK) and example.program_for("rl") is None
    assert example.nearest_program("rl") == ("walk", "code", WALK), "no rl program: the code one is shown"
    lines = example.plan_text().splitlines()
    assert json.loads(lines[1].rstrip(",")) == PLAN["subtasks"][0]  # one sub-task a line, code ones bare
    assert json.loads(example.plan_text()) == PLAN
    assert load_example(transcript(tmp_path), "other") is None


def test_an_example_from_a_transcript_of_several_environments_keeps_its_programs(tmp_path):
    entries = [
        {"match": {"role": "planner", "env": "grid", "task": "other"}, "response": json.dumps(PLAN)},
        {"match": {"role": "coder", "env": "maze", "task": "other", "subtask": "walk"}, "response": "no"},
        {"match": {"role": "coder", "env": "grid", "task": "other", "subtask": "walk"}, "response": WALK},
    ]
    path = tmp_path / "several.jsonl"
    path.write_text("".join(json.dumps(entry) + "\n" for entry in entries))
    assert load_example(path, "reach").programs == {"walk": WALK}


def test_the_prompts_show_the_example_the_exact_format_and_one_line_skills(tmp_path):
    example = load_example(transcript(tmp_path), "reach")
    system, user = planner_messages(PlanningContext(env=ENV, task=TASK), example)
    assert '"method": "code", "done_condition": "...", "max_steps": 200}' in system.content
    assert "api.act(action: Any) -> StepResult  # Take one primitive action;" in user.content
    assert 'Example: a plan for a different task of this environment ("other")' in user.content
    assert '{"name": "walk", "description": "walk right", "method": "code"' in user.content
    coder_user = coder_messages(REQUEST, example)[1].content
    assert 'Example: the program of sub-task "walk" (code)' in coder_user and WALK in coder_user
    assert "Example" not in planner_messages(PlanningContext(env=ENV, task=TASK))[1].content


class Recording:
    backend, model, supports_images = "recording", "recording", False

    def __init__(self) -> None:
        self.requests: list[Request] = []

    def complete(self, request: Request) -> Completion:
        self.requests.append(request)
        return Completion(json.dumps(PLAN), Usage(1, 1), 0.0, self.model, self.backend)


def test_the_planner_reads_its_examples_option(tmp_path):
    llm = Recording()
    planner = DefaultPlanner(llm, examples=str(transcript(tmp_path)))
    plan = planner.plan(PlanningContext(env=ENV, task=TASK), {})
    assert plan.subtasks[0].name == "walk"
    assert '("other")' in llm.requests[0].messages[1].content
