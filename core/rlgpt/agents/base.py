"""What the loop expects of the three agent roles, and the context each one sees."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from rlgpt.agents.schemas import Critique, Plan, Subtask, SubtaskVerdict
from rlgpt.specs import EnvironmentSpec, TaskSpec
from rlgpt.textbound import bound_text

if TYPE_CHECKING:
    from rlgpt.skill_library import SkillEntry

Tags = Mapping[str, str]
"""Labels of one LLM request (role, iteration, sub-task, attempt), passed to the LLM untouched."""


class MalformedAnswer(Exception):
    """An agent's answer stayed unusable after its repair round-trip.

    :param role: ``planner``, ``coder`` or ``critic``.
    :param error: the last validation error, bounded (:func:`rlgpt.textbound.bound_text`): it goes
        into events, the report and the next prompts.
    :param answer: the last unusable answer itself (dead loops are detected on it).
    """

    def __init__(self, role: str, error: str, answer: str = "") -> None:
        error = bound_text(error)
        super().__init__(f"{role} answer unusable after repair: {error}")
        self.role, self.error, self.answer = role, error, answer


@dataclass(frozen=True)
class IterationFeedback:
    """What an earlier iteration tried and how it went (fed to later prompts).

    :param plan: its plan (``None`` when the planner's answer was unusable).
    :param summary: the rollouts in words (or why there were none).
    :param critique: the critic's answer, when a critic read the rollouts.
    :param programs: sub-task name -> the program source it ran.
    :param subtask_success: sub-task name -> fraction of evaluation episodes that reached it.
    :param train_success: RL sub-task name -> fraction of its last training episodes that reached
        it (:data:`rlgpt.metrics.TRAINING_SUCCESS_WINDOW`); high where ``subtask_success`` is low
        means the trained policy succeeds as it explores but not when evaluated greedily.
    """

    iteration: int
    plan: Plan | None
    success_rate: float
    summary: str
    critique: Critique | None = None
    programs: Mapping[str, str] = field(default_factory=dict)
    subtask_success: Mapping[str, float] = field(default_factory=dict)
    train_success: Mapping[str, float] = field(default_factory=dict)

    def program_to_keep(self, subtask: Subtask) -> str | None:
        """The program of ``subtask`` when this iteration ran the same sub-task, it always reached
        its goal and the critic found nothing to fix in it; ``None`` otherwise."""
        if self.plan is None:
            return None
        before = next((s for s in self.plan.subtasks if s.name == subtask.name), None)
        if before is None or before.model_dump() != subtask.model_dump():
            return None
        if self.subtask_success.get(subtask.name, 0.0) < 1.0:
            return None
        if self.critique and any(v.verdict != "ok" for v in self.verdicts(subtask.name)):
            return None
        return self.programs.get(subtask.name)

    def coder_feedback(self, subtask: Subtask) -> str:
        """What the coder is told about ``subtask``: the critic's verdicts on it and its advice
        to the coder, or the rollout summary when no critic ran."""
        if self.critique:
            lines = [f"- {v.verdict}: {v.reason}" for v in self.verdicts(subtask.name)]
            if self.critique.coder_feedback:
                lines.append(f"- {self.critique.coder_feedback}")
            return "\n".join(lines)
        return self.summary

    def verdicts(self, subtask: str) -> list[SubtaskVerdict]:
        """The critic's verdicts on one sub-task (none without a critique)."""
        return [v for v in self.critique.verdicts if v.subtask == subtask] if self.critique else []


@dataclass(frozen=True)
class PlanningContext:
    """What the slow agent sees.

    :param skills: entries of the skill library relevant to the task (:mod:`rlgpt.skill_library`;
        none unless ``skills.enabled``).
    """

    env: EnvironmentSpec
    task: TaskSpec
    history: tuple[IterationFeedback, ...] = ()
    skills: tuple[SkillEntry, ...] = ()


@dataclass(frozen=True)
class CodeRequest:
    """What the fast agent is asked to write.

    :param required: function name -> parameter names the program must define.
    :param feedback: critic or automatic feedback on this sub-task from earlier iterations.
    :param skills: entries of the skill library relevant to the sub-task; their functions are
        added after the program, which may call them (none unless ``skills.enabled``).
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
    skills: tuple[SkillEntry, ...] = ()


@dataclass(frozen=True)
class CritiqueContext:
    """What the critic reads: the plan and the evaluation rollouts in words.

    :param frames: failed sub-task -> PNG of the end state of its first failed evaluation
        episode, in plan order (empty when the environment does not render ``rgb_array``).
    :param traces: failed sub-task -> what its program did in its dry run (the skill calls it made
        and what they returned, the state before and after, where it stopped), bounded
        (:mod:`rlgpt.code.trace`), in plan order; empty for sub-tasks without a program.
    """

    env: EnvironmentSpec
    task: TaskSpec
    plan: Plan
    episodes: int
    success_rate: float
    rollouts: str
    frames: Mapping[str, bytes] = field(default_factory=dict)
    traces: Mapping[str, str] = field(default_factory=dict)


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


@dataclass(frozen=True)
class Agents:
    """The agents of one run, as an :class:`~rlgpt.specs.AgentStructure` assembled them.

    :param planner: the slow agent.
    :param coder: the fast agent (the planner itself in a single-agent structure).
    :param critic: the critic, or ``None`` when the structure has none.
    """

    planner: Planner
    coder: Coder
    critic: Critic | None = None
