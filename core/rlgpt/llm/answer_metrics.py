"""How an LLM's answers fared in a run, read from the run's events.

Plans asked and valid, programs accepted per attempt, why planner and critic answers were
unusable, code rejections by kind, and calls and tokens served fresh or from the cache, per
role. A comparison of LLMs reads these next to success rates: a model can fail at JSON, at
code, or at the task itself.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

FAILURE_KINDS = (
    ("repeated", "repeated the same answer"),
    ("cut_off", "cut off"),
    ("empty", "the answer is empty"),
    ("not_an_object", "not an object"),
    ("not_an_object", "no JSON object"),
    ("invalid_json", "invalid JSON"),
    ("invalid_json", "nested too deeply"),
    ("schema", "does not match the schema"),
)
"""``(kind, phrase)``: an unusable answer's kind is that of the first phrase its error contains."""


def failure_kind(error: str) -> str:
    """The kind of an unusable planner or critic answer, from its error text (``other`` if none fits)."""
    for kind, phrase in FAILURE_KINDS:
        if phrase in error:
            return kind
    return "other"


@dataclass
class RoleCalls:
    """One role's LLM calls and tokens, fresh (asked) and cached (answered by the response cache)."""

    fresh_calls: int = 0
    cached_calls: int = 0
    fresh_tokens: int = 0
    cached_tokens: int = 0


@dataclass
class AnswerMetrics:
    """The answer metrics of one run (see the module docstring).

    :param code_attempts: attempt number (0 = the first answer) -> ``[accepted, rejected]``.
    """

    plans_asked: int = 0
    plans_valid: int = 0
    planner_failures: Counter[str] = field(default_factory=Counter)
    critic_failures: Counter[str] = field(default_factory=Counter)
    code_attempts: dict[int, list[int]] = field(default_factory=dict)
    code_rejections: Counter[str] = field(default_factory=Counter)
    calls: dict[str, RoleCalls] = field(default_factory=dict)

    @property
    def plan_valid_rate(self) -> float | None:
        """Share of planner exchanges that gave a usable plan (``None`` when none was asked)."""
        return self.plans_valid / self.plans_asked if self.plans_asked else None

    def acceptance_by_attempt(self) -> dict[int, float]:
        """Attempt -> share of the programs written at that attempt that were accepted."""
        return {
            n: accepted / (accepted + rejected)
            for n, (accepted, rejected) in sorted(self.code_attempts.items())
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, with the rates."""
        return {
            "plans_asked": self.plans_asked,
            "plans_valid": self.plans_valid,
            "plan_valid_rate": self.plan_valid_rate,
            "planner_failures": dict(self.planner_failures),
            "critic_failures": dict(self.critic_failures),
            "code_acceptance_by_attempt": {str(n): rate for n, rate in self.acceptance_by_attempt().items()},
            "code_rejections": dict(self.code_rejections),
            "calls": {role: asdict(calls) for role, calls in sorted(self.calls.items())},
        }


def answer_metrics(events: Iterable[Mapping[str, Any]]) -> AnswerMetrics:
    """Count the answer metrics of a run from its events (``planning``, ``plan``, ``plan_rejected``,
    ``critique_rejected``, ``code_accepted``, ``code_rejected`` and ``llm_call``)."""
    metrics = AnswerMetrics()
    asked = False  # a planner was asked (``planning``); plans without one (pure RL) do not count
    for event in events:
        kind = event.get("kind")
        if kind == "planning":
            metrics.plans_asked += 1
            asked = True
        elif kind == "plan":
            metrics.plans_valid += int(asked)
            asked = False
        elif kind == "plan_rejected":
            asked = False
            metrics.planner_failures[failure_kind(str(event.get("error", "")))] += 1
        elif kind == "critique_rejected":
            metrics.critic_failures[failure_kind(str(event.get("error", "")))] += 1
        elif kind in ("code_accepted", "code_rejected"):
            counts = metrics.code_attempts.setdefault(int(event.get("attempt", 0)), [0, 0])
            counts[kind == "code_rejected"] += 1
            if kind == "code_rejected":
                metrics.code_rejections[str(event.get("reason", "other"))] += 1
        elif kind == "llm_call":
            role = str(event.get("tags", {}).get("role", "other"))
            calls = metrics.calls.setdefault(role, RoleCalls())
            tokens = int(event.get("prompt_tokens", 0)) + int(event.get("completion_tokens", 0))
            if event.get("cached"):
                calls.cached_calls += 1
                calls.cached_tokens += tokens
            else:
                calls.fresh_calls += 1
                calls.fresh_tokens += tokens
    return metrics
