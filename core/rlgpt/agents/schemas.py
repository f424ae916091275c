"""The JSON the planner and critic answer, validated with pydantic."""

from __future__ import annotations

import keyword
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator


def _identifier(value: str) -> str:
    if not value.isidentifier() or keyword.iskeyword(value):
        raise ValueError(f"{value!r} is not a valid Python identifier; use snake_case like 'collect_wood'")
    if value == "done" or value == "reward":
        raise ValueError(f"{value!r} is reserved for done conditions and rewards; choose another name")
    return value


Identifier = Annotated[str, AfterValidator(_identifier)]


class CodedActionSpec(BaseModel):
    """A coded action the planner asks for: added to an RL sub-task's action space."""

    model_config = ConfigDict(extra="forbid")
    name: Identifier
    description: str


class Subtask(BaseModel):
    """One step of a plan.

    ``method`` "code": the fast agent writes a program named after the sub-task, called
    until ``done_condition`` holds. "rl": a learner trains on ``primitives`` (names of the
    primitive actions kept; empty list = all) plus ``coded_actions`` as macro actions.
    """

    model_config = ConfigDict(extra="forbid")
    name: Identifier
    description: str
    method: Literal["code", "rl"]
    done_condition: str
    coded_actions: list[CodedActionSpec] = Field(default_factory=list)
    primitives: list[str] = Field(default_factory=list)
    max_steps: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _code_needs_no_macros(self) -> Subtask:
        if self.method == "code" and self.coded_actions:
            raise ValueError(f"sub-task {self.name!r}: coded_actions are only for method 'rl'")
        return self


class Plan(BaseModel):
    """The slow agent's decomposition of a task."""

    model_config = ConfigDict(extra="forbid")
    subtasks: list[Subtask] = Field(min_length=1)
    rationale: str = ""

    @model_validator(mode="after")
    def _unique_names(self) -> Plan:
        names = [s.name for s in self.subtasks]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"sub-task names must be unique; repeated: {', '.join(duplicates)}")
        return self


class SubtaskVerdict(BaseModel):
    """The critic's judgement of one sub-task."""

    model_config = ConfigDict(extra="forbid")
    subtask: str
    verdict: Literal["ok", "fix_code", "change_rl", "replan"]
    reason: str


class Critique(BaseModel):
    """The critic's feedback: a verdict per sub-task and suggestions for both agents."""

    model_config = ConfigDict(extra="forbid")
    verdicts: list[SubtaskVerdict] = Field(default_factory=list)
    planner_feedback: str = ""
    coder_feedback: str = ""
    replan: bool = False


class OnePass(BaseModel):
    """A single agent's answer: the plan and every sub-task's code at once."""

    model_config = ConfigDict(extra="forbid")
    plan: Plan
    code: dict[str, str]
