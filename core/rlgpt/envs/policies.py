"""Sub-task policies: how one sub-task of a plan acts until its done condition holds.

A policy drives the *primitive* environment: a :class:`CodePolicy` calls its
program repeatedly through the skill API, a :class:`LearnedPolicy` asks a trained
learner for actions on its own :class:`~rlgpt.envs.coded_actions.CodedActions` view.
Both stop at the done condition, the step limit, the end of the episode, or when
they stop making progress; the :class:`SubtaskOutcome` says which.
"""

from __future__ import annotations

import inspect
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import gymnasium as gym

from rlgpt.envs.coded_actions import CodedActions
from rlgpt.skills import Actuator, ReadOnlySkills, SkillAPI, observer, run_program
from rlgpt.textbound import bound_text

Predicate = Callable[[SkillAPI], Any]


@dataclass
class SubtaskOutcome:
    """What happened when one sub-task's policy ran.

    :param name: sub-task name.
    :param reached: its done condition held when it stopped.
    :param steps: primitive env steps it used.
    :param stop: why it stopped: ``done``, ``step_limit``, ``episode_end``, ``stuck`` or ``error``.
    :param error: the last error message of its code, if any.
    :param macro_counts: how often each coded action was chosen (learned policies).
    :param macro_failures: how often each chosen coded action could not apply.
    """

    name: str
    reached: bool
    steps: int
    stop: str
    error: str | None = None
    macro_counts: dict[str, int] = field(default_factory=dict)
    macro_failures: dict[str, int] = field(default_factory=dict)


@dataclass
class PolicyResult:
    """State after a policy ran, and its outcome."""

    obs: Any
    info: dict[str, Any]
    terminated: bool
    truncated: bool
    outcome: SubtaskOutcome


class SubtaskPolicy(Protocol):
    """One sub-task's behaviour on the primitive environment."""

    name: str
    max_steps: int

    def run(self, env: gym.Env, obs: Any, info: dict[str, Any]) -> PolicyResult:
        """Act from ``(obs, info)`` until done, limit, episode end or no progress."""
        ...


def holds(predicate: Predicate, skill_api: type[SkillAPI], obs: Any, info: Any) -> tuple[bool, str | None]:
    """Evaluate a done condition on a read-only skill API; errors (acting included) count as "not done"."""
    api = observer(skill_api, obs, info)
    try:
        return bool(predicate(api)), None
    except (Exception, ReadOnlySkills) as exc:
        return False, bound_text(f"{type(exc).__name__}: {exc}")


@dataclass
class CodePolicy:
    """Runs a program call after call until its done condition holds.

    :param max_idle_calls: consecutive calls that take no step before giving up (``stuck``).
    """

    name: str
    program: Callable[[SkillAPI], Any]
    done: Predicate
    skill_api: type[SkillAPI]
    max_steps: int
    macro_step_budget: int = 100
    max_idle_calls: int = 3

    def run(self, env: gym.Env, obs: Any, info: dict[str, Any]) -> PolicyResult:
        """Call the program until done; each call may take up to ``macro_step_budget`` steps."""
        steps, idle, error, failed = 0, 0, None, False
        terminated = truncated = False
        while True:
            reached, done_error = holds(self.done, self.skill_api, obs, info)
            error = error or done_error
            limits = (steps, self.max_steps, idle, self.max_idle_calls)
            stop = _stop_reason(reached, terminated, truncated, *limits)
            if failed and not reached:
                stop = "error"
            if stop:
                outcome = SubtaskOutcome(self.name, reached, steps, stop, error)
                return PolicyResult(obs, info, terminated, truncated, outcome)
            budget = min(self.macro_step_budget, self.max_steps - steps)
            actuator = Actuator(step=env.step, obs=obs, info=info, budget=budget)
            _, call_error = run_program(self.program, self.skill_api(actuator))
            if call_error:  # the program is broken: stop and report it
                error, failed = call_error, True
            obs, info = actuator.obs, dict(actuator.info)
            terminated, truncated = actuator.terminated, actuator.truncated
            steps += actuator.steps
            idle = idle + 1 if actuator.steps == 0 else 0


@dataclass
class LearnedPolicy:
    """Acts with a trained learner on the sub-task's coded-action view of the env.

    :param predict: ``predict(obs) -> action`` of the trained learner; where the view has action
        masks and ``predict`` takes an ``action_masks`` keyword it is called as
        ``predict(obs, action_masks=mask)``, so it never picks a masked action (one that takes no masks
        may pick one: that choice takes no step and counts as a failed coded action).
    :param view: builds the :class:`CodedActions` view (this sub-task's action space) around an env.
    """

    name: str
    predict: Callable[[Any], Any]
    view: Callable[[gym.Env], CodedActions]
    done: Predicate
    skill_api: type[SkillAPI]
    max_steps: int

    def run(self, env: gym.Env, obs: Any, info: dict[str, Any]) -> PolicyResult:
        """Step the learner's actions until done, limit, episode end or ``stuck``."""
        view = self.view(env)
        view.attach(obs, info)
        counts: Counter[str] = Counter()
        failures: Counter[str] = Counter()
        steps, error, stuck = 0, None, False
        terminated = truncated = False
        masked = view.masked and takes_action_masks(self.predict)
        while True:
            reached, done_error = holds(self.done, self.skill_api, obs, info)
            error = done_error or error
            stop = _stop_reason(reached, terminated, truncated, steps, self.max_steps, int(stuck), 1)
            if stop:
                outcome = SubtaskOutcome(self.name, reached, steps, stop, error, dict(counts), dict(failures))
                return PolicyResult(obs, info, terminated, truncated, outcome)
            action = self.predict(obs, action_masks=view.action_masks()) if masked else self.predict(obs)
            obs, _, terminated, truncated, info = view.step(action)
            steps += int(info.get("macro_steps", 1))
            stuck = bool(info.get("stuck"))
            if info.get("macro"):
                counts[info["macro"]] += 1
                if not info.get("macro_applied"):
                    failures[info["macro"]] += 1
                error = info.get("macro_error") or error
            truncated = truncated and not stuck  # a stuck view is this policy's stop, not the episode's


def _stop_reason(
    reached: bool, terminated: bool, truncated: bool, steps: int, max_steps: int, idle: int, max_idle: int
) -> str | None:
    if reached:
        return "done"
    if terminated or truncated:
        return "episode_end"
    if steps >= max_steps:
        return "step_limit"
    if idle >= max_idle:
        return "stuck"
    return None


def takes_action_masks(predict: Callable[..., Any]) -> bool:
    """Whether ``predict`` accepts an ``action_masks`` keyword (by name, or through ``**kwargs``)."""
    try:
        parameters = inspect.signature(predict).parameters.values()
    except (TypeError, ValueError):  # no signature to read (a builtin): try the keyword
        return True
    return any(p.name == "action_masks" or p.kind is p.VAR_KEYWORD for p in parameters)
