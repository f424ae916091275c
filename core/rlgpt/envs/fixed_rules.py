"""Fixed rules over a :class:`~rlgpt.envs.coded_actions.CodedActions` action space: untrained policies.

Each is a ``predict(obs, action_masks=None) -> action`` callable, as a trained learner's is, so a plan
runs with a rule where it would run with a trained policy. They are the untrained controls of
:mod:`rlgpt.bench.controls` and the code-alone candidates the loop validates a trained policy
against (:mod:`rlgpt.policy_selection`).

* :class:`MaskedChoice` (``Discrete``): one action whenever the mask allows it (or the first of several
  the mask allows), otherwise (or with no fixed action) a uniformly drawn allowed one.
* :class:`BoxUniform` (bounded ``Box``): uniform over the box, or its centre.
* :class:`BoxMacro` (a continuous coded-action space): always one coded action, with the centre of
  the primitive box as its parameters or parameters drawn uniformly from it.
* :func:`always_coded_action`: "always coded action ``k``" for either kind of space.
* :func:`coded_actions_in_order`: "the first coded action the mask allows" in a discrete space.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import gymnasium as gym
import numpy as np


class MaskedChoice:
    """A rule over ``Discrete(n)``: ``always`` where the mask allows it, else a uniform allowed action.

    :param n: the number of actions.
    :param rng: draws the uniform choices.
    :param always: the action to take whenever allowed, or several in order of preference (the first
        the mask allows is taken); None: always a uniform allowed one.
    """

    def __init__(self, n: int, rng: np.random.Generator, always: int | Sequence[int] | None = None) -> None:
        self.n, self.rng = n, rng
        self.preferred: tuple[int, ...] = (
            () if always is None else (always,) if isinstance(always, int) else tuple(always)
        )

    def __call__(self, obs: Any, action_masks: Any = None) -> int:
        allowed = np.arange(self.n) if action_masks is None else np.flatnonzero(action_masks)
        for action in self.preferred:
            if action in allowed:
                return int(action)
        return int(self.rng.choice(allowed))


class BoxUniform:
    """A rule over a bounded ``Box``: uniform in it, or (``rng`` None) always its centre."""

    def __init__(self, space: gym.spaces.Box, rng: np.random.Generator | None) -> None:
        self.space, self.rng = space, rng

    def __call__(self, obs: Any, action_masks: Any = None) -> np.ndarray:
        low, high = self.space.low, self.space.high
        action = (low + high) / 2 if self.rng is None else self.rng.uniform(low, high)
        return np.asarray(action, dtype=self.space.dtype)


class BoxMacro:
    """A rule over a continuous coded-action space: always coded action ``macro``, with the centre of
    the primitive box as its parameters, or (``rng`` given) parameters uniform in it.

    :param space: the sub-task's action space: the primitive's parameter dims, then one selector per
        choice (the primitive first, then each of the ``macros`` coded actions).
    :param macros: how many coded actions the space selects among.
    :param macro: index of the coded action among them.
    """

    def __init__(
        self, space: gym.spaces.Box, macros: int, macro: int, rng: np.random.Generator | None
    ) -> None:
        self.space, self.rng = space, rng
        self.selectors = space.shape[0] - macros - 1
        self.chosen = self.selectors + 1 + macro

    def __call__(self, obs: Any, action_masks: Any = None) -> np.ndarray:
        low, high = self.space.low, self.space.high
        action = (low + high) / 2 if self.rng is None else self.rng.uniform(low, high)
        action[self.selectors :] = low[self.selectors :]
        action[self.chosen] = high[self.chosen]
        return np.asarray(action, dtype=self.space.dtype)


def always_coded_action(
    view: Any, macro: int, rng: np.random.Generator, random_parameters: bool = False
) -> MaskedChoice | BoxMacro:
    """The rule "always coded action ``macro``" over ``view``'s action space (a
    :class:`~rlgpt.envs.coded_actions.CodedActions`): where its mask allows it in a discrete space
    (else a uniform allowed action drawn with ``rng``), at the centre of the primitive box in a
    continuous one (or, ``random_parameters``, with parameters drawn uniformly from it with ``rng``)."""
    if view.continuous:
        return BoxMacro(view.action_space, len(view.macro_names), macro, rng if random_parameters else None)
    return MaskedChoice(int(view.action_space.n), rng, len(view.kept_primitives) + macro)


def coded_actions_in_order(view: Any, rng: np.random.Generator) -> MaskedChoice:
    """The rule "the first coded action its mask allows, in the plan's order, else a uniform allowed
    action (drawn with ``rng``)" over ``view``'s discrete action space: the coded actions alone, run
    as a program that tries each in turn; with preconditions that exclude each other, the program
    the plan describes."""
    first = len(view.kept_primitives)
    return MaskedChoice(int(view.action_space.n), rng, range(first, first + len(view.macro_names)))
