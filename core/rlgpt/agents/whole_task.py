"""A planner without a language model: the whole task is one sub-task, solved by code.

For models that code better than they plan (the small local ones): the coder writes one program
for the task and the critic reads its rollouts, while no LLM decomposes anything. Chosen with
``planner = "whole-task"``; the run's records say the plan came from no model (no planner request).
"""

from __future__ import annotations

from typing import Any

from rlgpt.agents.base import PlanningContext, Tags
from rlgpt.agents.schemas import Plan, Subtask

WHOLE_TASK_DONE = "the task's own success (the achievement or goal its instruction names)"


class WholeTaskPlanner:
    """Plans every iteration the same way: one code sub-task named after the task.

    :param llm: accepted as every planner factory's is, and never called.
    """

    def __init__(self, llm: Any = None, **options: Any) -> None:
        self.llm = llm

    def plan(self, context: PlanningContext, tags: Tags) -> Plan:
        """One code sub-task: the task itself, done when it succeeds."""
        only = Subtask(
            name=context.task.id,
            description=context.task.instruction,
            method="code",
            done_condition=WHOLE_TASK_DONE,
        )
        return Plan(subtasks=[only], rationale="the whole task as one program (no planner model)")
