"""The default coder: its answer shape, cut-off notes and repeated fixes."""

from __future__ import annotations

import re

from rlgpt import EnvironmentSpec, SkillAPI, TaskSpec
from rlgpt.agents import CodeRequest
from rlgpt.agents.builtin import DefaultCoder
from rlgpt.agents.schemas import Plan
from rlgpt.llm import Completion, PythonBlock, Request, Usage

TASK = TaskSpec("reach", "Reach the goal.", lambda info: False, 50)
ENV = EnvironmentSpec(
    name="line",
    entry_point="line:make",
    description="a line",
    primitive_actions=("left", "right"),
    observation_modes=("vector",),
    tasks=(TASK,),
    skill_api=SkillAPI,
    describe=lambda obs, info: "",
)
WALK = {"name": "walk", "description": "walk right", "method": "code", "done_condition": "at goal"}
PLAN = Plan.model_validate({"subtasks": [WALK]})
REQUEST = CodeRequest(
    env=ENV,
    task=TASK,
    plan=PLAN,
    subtask=PLAN.subtasks[0],
    required={"walk": ("api",), "done": ("api",)},
    step_budget=10,
    timeout_s=1.0,
    allowed_modules=("math",),
)
PROGRAM = "```python\ndef walk(api):\n    return True\n\ndef done(api):\n    return True\n```"


class Scripted:
    """Answers fixed texts in order (with their completion token counts) and keeps the requests."""

    backend, model, supports_images = "scripted", "scripted", False

    def __init__(self, *answers: tuple[str, int]) -> None:
        self.answers = list(answers)
        self.requests: list[Request] = []

    def complete(self, request: Request) -> Completion:
        self.requests.append(request)
        text, tokens = self.answers.pop(0)
        return Completion(text, Usage(10, tokens), 0.0, self.model, self.backend)


def test_code_requests_ask_for_one_block_of_the_required_functions():
    llm = Scripted((PROGRAM, 20))
    assert DefaultCoder(llm).write(REQUEST, {"role": "coder"}) == PROGRAM
    assert llm.requests[0].output == PythonBlock(("walk", "done"), modules=REQUEST.allowed_modules)
    assert re.fullmatch(llm.requests[0].output.pattern(), PROGRAM), "the reference answer fits the block"


def test_the_fix_request_says_the_answer_was_cut_off():
    cut = "```python\ndef walk(api):\n    while True:\n        api."
    llm = Scripted((cut, 64), (PROGRAM, 20))
    coder = DefaultCoder(llm, max_tokens=64)
    answer = coder.write(REQUEST, {})
    coder.fix(REQUEST, answer, "SyntaxError: unexpected end of file", {})
    assert "cut off at the limit of 64 tokens" in llm.requests[1].messages[-1].content


def test_a_fix_that_repeats_the_rejected_answer_is_asked_again_differently():
    wrong = "```python\ndef walk(api):\n    return 1\n```"
    llm = Scripted((wrong, 20), (PROGRAM, 20))
    fixed = DefaultCoder(llm).fix(REQUEST, wrong, "done is missing", {"attempt": "1"})
    assert fixed == PROGRAM
    assert llm.requests[1].tags["repeated"] == "1"
    assert "unchanged" in llm.requests[1].messages[-1].content
    assert "cut off" not in llm.requests[0].messages[-1].content
