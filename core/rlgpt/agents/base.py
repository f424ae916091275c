"""What the loop expects of the three agent roles, and the context each one sees."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from rlgpt.agents.schemas import Critique, Plan, Subtask
from rlgpt.specs import EnvironmentSpec, TaskSpec

Tags = Mapping[str, str]
"""Labels of one LLM request (role, iteration, sub-task, attempt), passed to the LLM untouched."""


class MalformedAnswer(Exception):
    """An agent's answer stayed unusable after its repair round-trip.

    :param role: ``planner``, ``coder`` or ``critic``.
    :param error: the last validation error.
    """

    def __init__(self, role: str, error: str) -> None:
        super().__init__(f"{role} answer unusable after repair: {error}")
        self.role, self.error = role, error


@dataclass(frozen=True)
class IterationFeedback:
    """What an earlier iteration tried and how it went (fed to later prompts)."""

    iteration: int
    plan: Plan | None
    success_rate: float
    summary: str
    critique: Critique | None = None


@dataclass(frozen=True)
class PlanningContext:
    """What the slow agent sees."""

    env: EnvironmentSpec
    task: TaskSpec
    history: tuple[IterationFeedback, ...] = ()


@dataclass(frozen=True)
class CodeRequest:
    """What the fast agent is asked to write.

    :param required: function name -> parameter names the program must define.
    :param feedback: critic or automatic feedback on this sub-task from earlier iterations.
    """

    env: EnvironmentSpec
    task: TaskSpec
    plan: Plan
    subtask: Subtask
    required: Mapping[str, tuple[str, ...]]
    step_budget: int
    timeout_s: float
    allowed_modules: tuple[str, ...]
    feedback: str = ""


@dataclass(frozen=True)
class CritiqueContext:
    """What the critic reads: the plan and the evaluation rollouts in words."""

    env: EnvironmentSpec
    task: TaskSpec
    plan: Plan
    episodes: int
    success_rate: float
    rollouts: str
    frames: tuple[bytes, ...] = field(default=())


@runtime_checkable
class Planner(Protocol):
    """The slow agent."""

    def plan(self, context: PlanningContext, tags: Tags) -> Plan:
        """Decompose the task; raise :class:`MalformedAnswer` when no valid plan comes back."""
        ...


@runtime_checkable
class Coder(Protocol):
    """The fast agent."""

    def write(self, request: CodeRequest, tags: Tags) -> str:
        """Return the raw answer holding the program for ``request.subtask``."""
        ...

    def fix(self, request: CodeRequest, answer: str, error: str, tags: Tags) -> str:
        """Return a corrected raw answer after ``answer`` was rejected with ``error``."""
        ...


@runtime_checkable
class Critic(Protocol):
    """The critic."""

    def critique(self, context: CritiqueContext, tags: Tags) -> Critique:
        """Judge the rollouts; raise :class:`MalformedAnswer` when no valid critique comes back."""
        ...
