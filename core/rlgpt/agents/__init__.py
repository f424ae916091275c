"""The agent roles: slow agent (planner), fast agent (coder) and critic."""

from rlgpt.agents.base import (
    Coder,
    CodeRequest,
    Critic,
    CritiqueContext,
    IterationFeedback,
    MalformedAnswer,
    Planner,
    PlanningContext,
)
from rlgpt.agents.schemas import CodedActionSpec, Critique, Plan, Subtask, SubtaskVerdict

__all__ = [
    "CodeRequest",
    "CodedActionSpec",
    "Coder",
    "Critic",
    "Critique",
    "CritiqueContext",
    "IterationFeedback",
    "MalformedAnswer",
    "Plan",
    "Planner",
    "PlanningContext",
    "Subtask",
    "SubtaskVerdict",
]
