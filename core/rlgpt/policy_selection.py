"""Validation: deploy a trained policy only where it beats its own coded actions run alone.

Training on top of a coded action can lose to the coded action itself (a learner drifting away from a
macro that already solves the sub-task). With ``evaluation.validation_episodes = N`` the loop runs the
plan, after training, on N validation worlds (:func:`rlgpt.worlds.validation_world`, disjoint from the
evaluation worlds) once per candidate:

* ``trained``: the trained policies, acting as evaluation has them act;
* ``always:<action>``: every RL sub-task driven by the fixed rule "always this coded action"
  (:func:`rlgpt.envs.fixed_rules.always_coded_action`: where its mask allows it, at the centre of its
  parameters), one candidate per coded action of the plan;
* ``coded-in-order``: where a discrete RL sub-task has several coded actions, every sub-task driven by
  "the first coded action its mask allows, in the plan's order"
  (:func:`rlgpt.envs.fixed_rules.coded_actions_in_order`): the coded actions run together as a
  program, which is what the plan describes when their preconditions exclude each other.

The candidate with the most successes is the one evaluated; ties go to ``trained``, then to the
earlier candidate. The validation episodes' steps count as the run's ``validation`` env steps. The
same candidates and worlds are what ``python -m rlgpt.bench.controls --validation-episodes N`` replays
on a finished run, so a trial that trained without validation can be judged as if it had.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from rlgpt.envs.fixed_rules import (
    BoxUniform,
    MaskedChoice,
    always_coded_action,
    coded_actions_in_order,
)
from rlgpt.textbound import bound_text
from rlgpt.worlds import validation_world

if TYPE_CHECKING:
    from rlgpt.execution import PlanRuntime

TRAINED = "trained"
"""The candidate of the trained policies."""
ALWAYS = "always:"
"""Prefix of the candidate that always takes one coded action (``always:<action>``)."""
IN_ORDER = "coded-in-order"
"""The candidate that takes the first coded action its mask allows, in the plan's order."""

Predictors = Callable[[int], dict[str, Callable[..., Any]]]
"""A candidate: ``predictors(episode)`` -> RL sub-task name -> ``predict(obs, action_masks=None)``."""


@dataclass(frozen=True)
class Selection:
    """What validation chose.

    :param chosen: the candidate evaluated (``trained`` or ``always:<action>``).
    :param successes: candidate -> validation episodes it solved, in the order they were tried.
    :param episodes: validation episodes per candidate.
    :param steps: env steps every validation episode took, all candidates together.
    :param task_errors: what the task's success predicate raised, and how often (those episodes count
        as not solved).
    """

    chosen: str
    successes: dict[str, int]
    episodes: int
    steps: int
    task_errors: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (as iteration records and controls store it; ``task_errors`` only when some)."""
        data = asdict(self)
        if not self.task_errors:
            del data["task_errors"]
        return data

    def summary(self) -> str:
        """One line for the critic and the report."""
        tried = ", ".join(f"{name} {won}/{self.episodes}" for name, won in self.successes.items())
        raised = "".join(f"; {error} ({n}x)" for error, n in self.task_errors.items())
        return f"validation ({tried}): evaluated with {self.chosen}{raised}"


def rule_candidates(
    runtime: PlanRuntime, seed: int, *, random_parameters: bool = False
) -> dict[str, Predictors]:
    """``always:<action>`` for every coded action of the plan's RL sub-tasks (first-seen order), then
    ``coded-in-order`` where a discrete sub-task has more than one coded action (with one, it is an
    ``always:`` rule).

    A sub-task without that coded action takes uniformly drawn actions (allowed ones where masked);
    each episode's draws come from ``numpy.random.default_rng([seed, episode])``. ``random_parameters``:
    a continuous coded action gets parameters drawn uniformly in every step instead of the box's centre
    (a control of the bench, not a candidate of validation).
    """
    subtasks = [s for s in runtime.parsed_plan.subtasks if s.method == "rl"]
    env = runtime.make_env()
    try:
        views = {s.name: runtime.view(s, env) for s in subtasks}
    finally:
        env.close()
    actions = dict.fromkeys(name for view in views.values() for name in view.macro_names)
    rules = {ALWAYS + action: _always(views, action, seed, random_parameters) for action in actions}
    discrete = not any(view.continuous for view in views.values())
    if discrete and any(len(view.macro_names) > 1 for view in views.values()):
        rules[IN_ORDER] = _in_order(views, seed)
    return rules


def _in_order(views: Mapping[str, Any], seed: int) -> Predictors:
    def predictors(episode: int) -> dict[str, Callable[..., Any]]:
        return {
            name: coded_actions_in_order(view, np.random.default_rng([seed, episode]))
            for name, view in views.items()
        }

    return predictors


def _always(views: Mapping[str, Any], action: str, seed: int, random_parameters: bool) -> Predictors:
    def predictors(episode: int) -> dict[str, Callable[..., Any]]:
        chosen: dict[str, Callable[..., Any]] = {}
        for name, view in views.items():
            rng = np.random.default_rng([seed, episode])
            if action in view.macro_names:
                chosen[name] = always_coded_action(
                    view, view.macro_names.index(action), rng, random_parameters
                )
            elif view.continuous:
                chosen[name] = BoxUniform(view.action_space, rng)
            else:
                chosen[name] = MaskedChoice(int(view.action_space.n), rng)
        return chosen

    return predictors


def validate(
    runtime: PlanRuntime,
    success: Callable[[dict[str, Any]], Any],
    candidates: Mapping[str, Predictors],
    *,
    seed: int,
    episodes: int,
    default_steps: int,
) -> Selection:
    """Run the plan with each candidate on ``episodes`` validation worlds of run ``seed``; the one with
    the most successes (``success(info)`` of the episode's last step; one that raises counts as a
    failure) is chosen, ties to the earlier candidate."""
    successes: dict[str, int] = {}
    errors: Counter[str] = Counter()
    steps = 0
    env = runtime.make_env()
    try:
        for name, predictors in candidates.items():
            successes[name] = 0
            for episode in range(episodes):
                world = validation_world(seed, episode)
                chain = runtime.run_episode(env, predictors(episode), default_steps, world)
                steps += chain.steps
                solved, error = judge(success, chain.info)
                successes[name] += solved
                if error:
                    errors[error] += 1
    finally:
        env.close()
    chosen = max(successes, key=lambda name: successes[name])  # the first of the best
    return Selection(chosen, successes, episodes, steps, dict(errors))


def judge(success: Callable[[dict[str, Any]], Any], info: dict[str, Any]) -> tuple[bool, str | None]:
    """The success predicate on an episode's last ``info``, and what it raised (None if nothing): a
    predicate that raises on a strange end state counts as not solved."""
    try:
        return bool(success(info)), None
    except Exception as exc:
        return False, bound_text(f"success(info) raised {type(exc).__name__}: {exc}", 500)
