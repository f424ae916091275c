"""An iteration's evaluation rollouts: what they add up to, and the words the critic and the next
planner read about them (success, where each sub-task stopped and why, training success beside
evaluation's, failed calls of generated code)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from rlgpt.agents.schemas import Plan
from rlgpt.envs import SubtaskOutcome
from rlgpt.metrics import IterationRecord
from rlgpt.policy_selection import Selection


@dataclass
class EvaluationTally:
    """What one evaluation's episodes add up to, sub-task by sub-task: how far each got, why it stopped,
    its code's errors, the macros chosen, and the first failure's state (text and frame)."""

    successes: int = 0
    steps: int = 0
    reached: Counter[str] = field(default_factory=Counter)
    reached_at_start: Counter[str] = field(default_factory=Counter)
    """Runs in which the done condition already held when the sub-task began (it took no step)."""
    stops: dict[str, Counter[str]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    macros: dict[str, Counter[str]] = field(default_factory=dict)
    macro_failures: dict[str, Counter[str]] = field(default_factory=dict)
    failure_states: dict[str, str] = field(default_factory=dict)
    frames: dict[str, bytes] = field(default_factory=dict)
    """Sub-task -> PNG of the end state of its first failed episode (environments that render)."""
    task_errors: Counter[str] = field(default_factory=Counter)
    """Exceptions of the task's own success predicate (an episode it raised on counts as not solved)."""

    def reached_by_acting(self, episodes: int) -> dict[str, float]:
        """Sub-task -> share of ``episodes`` in which it reached its done condition after taking steps."""
        return {name: (n - self.reached_at_start[name]) / episodes for name, n in self.reached.items()}

    def add(
        self,
        outcome: SubtaskOutcome,
        state: Callable[[], str],
        frame: Callable[[], bytes | None] | None = None,
    ) -> None:
        """Count one sub-task outcome; ``state()`` describes the end state and ``frame()`` renders it
        (PNG), each asked for only at the sub-task's first failure."""
        self.stops.setdefault(outcome.name, Counter())[outcome.stop] += 1
        self.reached[outcome.name] += int(outcome.reached)
        self.reached_at_start[outcome.name] += int(outcome.reached and outcome.steps == 0)
        if outcome.error:
            self.errors[outcome.name] = outcome.error
        self.macros.setdefault(outcome.name, Counter()).update(outcome.macro_counts)
        self.macro_failures.setdefault(outcome.name, Counter()).update(outcome.macro_failures)
        if not outcome.reached and outcome.name not in self.failure_states:
            self.failure_states[outcome.name] = state()
            png = frame() if frame else None
            if png:
                self.frames[outcome.name] = png


def summarise(plan: Plan, evaluation: EvaluationTally, episodes: int) -> str:
    """The rollouts in words: what the critic and the next planner read."""
    lines = [f"{evaluation.successes}/{episodes} episodes solved the task."]
    for error, count in evaluation.task_errors.items():
        lines.append(f"- {error} in {count}/{episodes} episodes (counted as not solved)")
    for subtask in plan.subtasks:
        name = subtask.name
        stops = evaluation.stops.get(name)
        if not stops:
            lines.append(f"- {name}: never started (an earlier sub-task failed).")
            continue
        started = sum(stops.values())
        reached = evaluation.reached[name]
        line = f"- {name} ({subtask.method}): reached in {reached}/{started} runs; stops {dict(stops)}"
        if evaluation.reached_at_start[name]:
            line += (
                f"; its done condition already held when it began in {evaluation.reached_at_start[name]} "
                "of them (it took no step: the condition does not test what the sub-task is for)"
            )
        if name in evaluation.errors:
            line += f"; error: {evaluation.errors[name]}"
        if evaluation.macros.get(name):
            line += f"; macros chosen {dict(evaluation.macros[name])}"
        if evaluation.macro_failures.get(name):
            line += f"; macros that could not apply {dict(evaluation.macro_failures[name])}"
        lines.append(line)
        if name in evaluation.failure_states:
            lines.append(f"  state where it failed: {evaluation.failure_states[name]}")
    return "\n".join(lines)


def training_lines(record: IterationRecord, deterministic: bool) -> str:
    """Training success beside evaluation's, for the summary the critic and the next planner read."""
    if not record.train_episodes:
        return ""
    trained = ", ".join(
        f"{name} reached its goal in {record.train_successes[name]} of its last {n} training episodes "
        f"(evaluation: {record.subtask_success.get(name, 0.0):.0%})"
        for name, n in record.train_episodes.items()
    )
    acting = "greedy (most likely) actions" if deterministic else "sampled actions, as in training"
    return f"\n- training (the learner's exploring actions): {trained}; evaluation used {acting}"


def selection_lines(record: IterationRecord) -> str:
    """What validation chose (``evaluation.validation_episodes``), for the summary the critic and the
    next planner read."""
    return f"\n- {Selection(**record.selection).summary()}" if record.selection else ""


def call_failure_lines(record: IterationRecord) -> str:
    """Failed calls per phase, for the summary the critic and the next planner read."""
    lines = []
    for phase, counts in record.call_failures.items():
        if counts:
            where = {"train": "in training", "validation": "in validation"}.get(phase, "in evaluation")
            listed = ", ".join(f"{key} x{n}" for key, n in sorted(counts.items()))
            lines.append(f"\n- failed calls of generated code {where}: {listed}")
    return "".join(lines)
