"""A worked example for the prompts: a reference plan and its programs, for a different task.

Small models follow a shown answer far better than a described one. The example comes from a
reference transcript (the replay backend's format, :mod:`rlgpt.llm.transcript`): the first
planner answer, in file order, for a task other than the one being solved, and the coder
answers for its sub-tasks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from rlgpt.agents.conversation import render
from rlgpt.agents.schemas import Plan
from rlgpt.llm.transcript import find_answer, load_transcript


@dataclass(frozen=True)
class WorkedExample:
    """A reference plan for ``task`` and the program of each of its sub-tasks (where recorded).

    :param task: the example's task id.
    :param plan: the plan.
    :param programs: sub-task name -> the coder's answer (a fenced Python block).
    """

    task: str
    plan: Plan
    programs: dict[str, str]

    def plan_text(self) -> str:
        """The plan as the planner should answer it: compact JSON, one sub-task per line."""
        subtasks = [
            json.dumps(sub.model_dump(exclude_defaults=True, exclude={"max_steps"}) | _steps(sub.max_steps))
            for sub in self.plan.subtasks
        ]
        rationale = json.dumps(self.plan.rationale)
        return '{"rationale": ' + rationale + ', "subtasks": [\n  ' + ",\n  ".join(subtasks) + "]}"

    def program_for(self, method: str) -> tuple[str, str] | None:
        """``(sub-task name, program)`` of the first sub-task solved by ``method`` that has one."""
        for sub in self.plan.subtasks:
            if sub.method == method and sub.name in self.programs:
                return sub.name, self.programs[sub.name]
        return None

    def nearest_program(self, method: str) -> tuple[str, str, str] | None:
        """``(sub-task name, its method, program)``: a sub-task solved by ``method`` if the example has
        one, else its first program of another method (a small model follows any shown program)."""
        found = self.program_for(method)
        if found is not None:
            return found[0], method, found[1]
        for sub in self.plan.subtasks:
            if sub.name in self.programs:
                return sub.name, sub.method, self.programs[sub.name]
        return None


def _steps(max_steps: int | None) -> dict[str, int]:
    return {} if max_steps is None else {"max_steps": max_steps}


@cache
def load_example(transcript: Path, task: str) -> WorkedExample | None:
    """The worked example for solving ``task`` from the reference ``transcript``, or ``None``.

    :raises rlgpt.llm.TranscriptError: the transcript cannot be read.
    """
    entries = load_transcript(transcript)
    for entry in entries:
        other = entry.match.get("task")
        if entry.match.get("role") != "planner" or other in (None, task) or "method" in entry.match:
            continue
        try:
            plan = Plan.model_validate_json(entry.response)
        except ValueError:
            continue
        programs = {}
        for sub in plan.subtasks:
            tags = {"role": "coder", "task": other, "subtask": sub.name, "method": "rl-gpt", "iteration": "0"}
            if "env" in entry.match:  # a transcript for several environments names each answer's
                tags["env"] = entry.match["env"]
            answer = find_answer(entries, tags)
            if answer is not None:
                programs[sub.name] = answer.response
        return WorkedExample(other, plan, programs)
    return None


def planner_example_text(example: WorkedExample | None) -> str:
    """The planner prompt's example section (empty without an example)."""
    if example is None:
        return ""
    return render("planner_example", task=example.task, plan=example.plan_text())


def coder_example_text(example: WorkedExample | None, method: str) -> str:
    """The coder prompt's example: the example's program of a sub-task solved by ``method``, else its
    first program of another method (none without an example or programs)."""
    found = example.nearest_program(method) if example is not None else None
    if found is None:
        return ""
    subtask, shown_method, program = found
    return render("coder_example", subtask=subtask, method=shown_method, task=example.task, program=program)
