"""What an iteration and a run measured: the numbers users compare across LLMs."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

TRAINING_SUCCESS_WINDOW = 100
"""Training success is measured over each RL sub-task's last this many training episodes (those
that report ``is_success``), as Stable-Baselines3's ``stats_window_size`` averages its success rate."""


def wilson_interval(successes: int, trials: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval of a success rate (sensible at 0 and 1, unlike the normal one)."""
    if trials == 0:
        return 0.0, 1.0
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass
class LLMUsage:
    """LLM traffic of one iteration."""

    calls: int = 0
    cached_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    cost_usd: float = 0.0
    repairs: dict[str, int] = field(default_factory=dict)
    """Repair round-trips by role: an answer failed validation and was asked for again."""

    @property
    def tokens(self) -> int:
        """Prompt plus completion tokens."""
        return self.prompt_tokens + self.completion_tokens


@dataclass
class IterationRecord:
    """One iteration (plan, code, train, evaluate, critique), as written to ``events.jsonl``."""

    iteration: int
    episodes: int = 0
    successes: int = 0
    env_steps: dict[str, int] = field(default_factory=lambda: {"train": 0, "eval": 0, "dry_run": 0})
    llm: LLMUsage = field(default_factory=LLMUsage)
    code_rejections: dict[str, int] = field(default_factory=dict)
    call_failures: dict[str, dict[str, int]] = field(default_factory=dict)
    """Failed calls of accepted programs: phase (``train``, ``eval``) -> ``"function: reason"`` -> count."""
    malformed_answers: dict[str, int] = field(default_factory=dict)
    subtask_success: dict[str, float] = field(default_factory=dict)
    fingerprint: str = ""
    repeated: bool = False
    dead_loop: bool = False
    wall_time_s: float = 0.0
    plan: dict[str, Any] | None = None
    programs: dict[str, str] = field(default_factory=dict)
    summary: str = ""
    critique: dict[str, Any] | None = None
    train_fps: float = 0.0
    train_episodes: dict[str, int] = field(default_factory=dict)
    """RL sub-task -> its last training episodes that reported success (:data:`TRAINING_SUCCESS_WINDOW`)."""
    train_successes: dict[str, int] = field(default_factory=dict)
    """RL sub-task -> how many of those episodes reached the sub-task's goal."""
    program_costs: dict[str, dict[str, float]] = field(default_factory=dict)
    """Sub-task -> what its accepted program cost to write: LLM ``tokens`` and wall-clock ``seconds``
    (every sample, fix and dry run of it included)."""
    selection: dict[str, Any] | None = None
    """What validation chose (:meth:`rlgpt.policy_selection.Selection.to_dict`), when the run validates
    its trained policies (``evaluation.validation_episodes``); None otherwise."""

    @property
    def success_rate(self) -> float:
        """Fraction of evaluation episodes that solved the task."""
        return self.successes / self.episodes if self.episodes else 0.0

    @property
    def train_success_rate(self) -> float | None:
        """Fraction of the RL sub-tasks' last training episodes that reached their goal (sampled
        actions, as trained); ``None`` when no trained sub-task reported success."""
        episodes = sum(self.train_episodes.values())
        return sum(self.train_successes.values()) / episodes if episodes else None

    def count_training(self, subtask: str, outcomes: Iterable[bool | None]) -> None:
        """Record ``subtask``'s training success: its last :data:`TRAINING_SUCCESS_WINDOW` training
        episodes' outcomes, in order (``None``: the episode did not report success)."""
        reported = [bool(outcome) for outcome in outcomes if outcome is not None][-TRAINING_SUCCESS_WINDOW:]
        if reported:
            self.train_episodes[subtask], self.train_successes[subtask] = len(reported), sum(reported)

    @property
    def interval(self) -> tuple[float, float]:
        """95% interval of the success rate."""
        return wilson_interval(self.successes, self.episodes)

    def reject(self, reason: str) -> None:
        """Count a code rejection."""
        self.code_rejections[reason] = self.code_rejections.get(reason, 0) + 1

    def malformed(self, role: str) -> None:
        """Count an answer that stayed malformed after repair."""
        self.malformed_answers[role] = self.malformed_answers.get(role, 0) + 1

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, with the derived numbers spelled out."""
        data = asdict(self)
        low, high = self.interval
        data.update(
            success_rate=self.success_rate,
            ci_low=low,
            ci_high=high,
            tokens=self.llm.tokens,
            train_success_rate=self.train_success_rate,
        )
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> IterationRecord:
        """Rebuild from :meth:`to_dict` output."""
        fields = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        fields["llm"] = LLMUsage(**fields.get("llm", {}))
        return cls(**fields)


@dataclass
class RunSummary:
    """How a run ended and its totals."""

    status: str
    iterations: int
    best_success_rate: float
    final_success_rate: float
    env_steps: int
    llm_calls: int
    tokens: int
    code_rejections: int
    malformed_answers: int
    dead_loop_iterations: int
    wall_time_s: float

    @classmethod
    def from_records(cls, status: str, records: list[IterationRecord]) -> RunSummary:
        """Totals over the iteration records."""
        return cls(
            status=status,
            iterations=len(records),
            best_success_rate=max((r.success_rate for r in records), default=0.0),
            final_success_rate=records[-1].success_rate if records else 0.0,
            env_steps=sum(sum(r.env_steps.values()) for r in records),
            llm_calls=sum(r.llm.calls for r in records),
            tokens=sum(r.llm.tokens for r in records),
            code_rejections=sum(sum(r.code_rejections.values()) for r in records),
            malformed_answers=sum(sum(r.malformed_answers.values()) for r in records),
            dead_loop_iterations=sum(r.repeated for r in records),
            wall_time_s=sum(r.wall_time_s for r in records),
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)
