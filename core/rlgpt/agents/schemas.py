"""The JSON the planner and critic answer, validated with pydantic.

The same models give the JSON Schemas sent with the requests (:func:`plan_schema`,
:func:`critique_schema`), so a backend that constrains decoding can only produce answers
of the shape these models accept.
"""

from __future__ import annotations

import keyword
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from rlgpt.llm.types import JsonSchema

IDENTIFIER_PATTERN = "^[A-Za-z_][A-Za-z0-9_]*$"
"""Sub-task, coded-action and function names: ASCII Python identifiers."""

MAX_SUBTASKS = 8
"""Most sub-tasks a plan may have."""

MAX_CODED_ACTIONS = 4
"""Most coded actions one RL sub-task may ask for."""


def _identifier(value: str) -> str:
    if not value.isidentifier() or keyword.iskeyword(value):
        raise ValueError(f"{value!r} is not a valid Python identifier; use snake_case like 'collect_wood'")
    if value == "done" or value == "reward":
        raise ValueError(f"{value!r} is reserved for done conditions and rewards; choose another name")
    return value


Identifier = Annotated[str, Field(pattern=IDENTIFIER_PATTERN), AfterValidator(_identifier)]


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
    coded_actions: list[CodedActionSpec] = Field(default_factory=list, max_length=MAX_CODED_ACTIONS)
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
    subtasks: list[Subtask] = Field(min_length=1, max_length=MAX_SUBTASKS)
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


class CritiqueAnswer(Critique):
    """A critic's answer as it must come back: a :class:`Critique` that says something.

    An empty one (``{}``, or nothing but empty lists and strings) judges nothing: it is a
    malformed answer, repaired and counted like any other.
    """

    @model_validator(mode="after")
    def _says_something(self) -> CritiqueAnswer:
        if not (self.verdicts or self.planner_feedback.strip() or self.coder_feedback.strip() or self.replan):
            raise ValueError(
                "the critique is empty; give a verdict per sub-task and feedback for the planner or coder"
            )
        return self


class OnePass(BaseModel):
    """A single agent's answer: the plan and every sub-task's code at once."""

    model_config = ConfigDict(extra="forbid")
    plan: Plan
    code: dict[str, str]


def plan_schema(primitives: Sequence[str]) -> JsonSchema:
    """The planner's answer schema: a :class:`Plan` whose ``primitives`` are names from ``primitives``.

    A "code" sub-task has no ``coded_actions`` or ``primitives`` (they only mean something for
    "rl"), so each sub-task matches one of two shapes, told apart by ``method``.
    """
    schema = strict_schema(Plan)
    subtask = schema["properties"]["subtasks"]["items"]
    primitive_names: dict[str, Any] = {"type": "array", "items": {"type": "string"}}
    if primitives:
        primitive_names["items"]["enum"] = list(primitives)
        primitive_names["maxItems"] = len(primitives)
    else:
        primitive_names["maxItems"] = 0
    rl = _with(subtask, method={"type": "string", "enum": ["rl"]}, primitives=primitive_names)
    code = _with(subtask, method={"type": "string", "enum": ["code"]})
    for field in ("coded_actions", "primitives"):
        del code["properties"][field]
        code["required"].remove(field)
    schema["properties"]["subtasks"]["items"] = {"anyOf": [code, rl]}
    schema["properties"] = {"rationale": schema["properties"].pop("rationale"), **schema["properties"]}
    schema["required"] = list(schema["properties"])
    return JsonSchema("plan", schema)


def critique_schema(subtasks: Sequence[str]) -> JsonSchema:
    """The critic's answer schema: a :class:`Critique` with one verdict at most per sub-task named."""
    schema = strict_schema(Critique)
    verdicts = schema["properties"]["verdicts"]
    verdicts["maxItems"] = len(subtasks)
    if subtasks:
        verdicts["items"]["properties"]["subtask"]["enum"] = list(subtasks)
    return JsonSchema("critique", schema)


def strict_schema(model: type[BaseModel]) -> dict[str, Any]:
    """``model``'s JSON Schema in the strict structured-output subset.

    References are inlined; titles, descriptions and defaults are dropped; every object
    requires all of its properties and forbids others (a field with a default is still
    answered, with its default when there is nothing to say).
    """
    root = model.model_json_schema()
    return _strict(root, root.get("$defs", {}))


_ANNOTATIONS = frozenset({"$defs", "title", "description", "default"})


def _strict(node: Any, defs: Mapping[str, Any]) -> Any:
    if isinstance(node, list):
        return [_strict(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return _strict(defs[node["$ref"].rsplit("/", 1)[-1]], defs)
    out = {key: _strict(value, defs) for key, value in node.items() if key not in _ANNOTATIONS}
    if "properties" in node:
        out["properties"] = {name: _strict(value, defs) for name, value in node["properties"].items()}
    if out.get("type") == "object" and "properties" in out:
        out["required"] = list(out["properties"])
        out["additionalProperties"] = False
    return out


def _with(schema: Mapping[str, Any], **properties: Any) -> dict[str, Any]:
    """A copy of an object ``schema`` with some ``properties`` replaced."""
    copy = _strict(dict(schema), {})
    copy["properties"] = {**copy["properties"], **properties}
    copy["required"] = list(copy["properties"])
    return copy
