"""A stable-baselines3 callback that spends a budget of primitive environment steps.

A coded action runs as one macro step of the RL env but may use many primitive steps; the env says
how many in ``info["macro_steps"]``. Budgets count primitive steps, so methods with and without
coded actions compare at equal environment cost.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from rlgpt import EpisodePoint, ProgressCallback
from stable_baselines3.common.callbacks import BaseCallback
from stable_baselines3.common.on_policy_algorithm import OnPolicyAlgorithm


class BudgetReached(Exception):
    """Raised at the start of a rollout once the budget is spent, to end ``model.learn`` cleanly."""


def primitive_steps(info: Mapping[str, Any]) -> int:
    """Primitive env steps one (possibly macro) step used.

    A macro that could not apply may report ``0``; it still counts as one step, so a policy that
    keeps choosing it cannot stall training.
    """
    return max(1, int(info.get("macro_steps", 1)))


class BudgetCallback(BaseCallback):
    """Counts primitive steps, records finished episodes, reports progress and stops at the budget.

    :param budget: primitive env steps this ``learn`` call may use.
    :param start: primitive env steps done before this call (episode timesteps continue from it).
    :param on_progress: ``on_progress(done, budget)``, called about every 1% of the budget and at the end.
    :param every: call ``on_every(done)`` each time ``done`` passes a multiple of ``every`` before the
        budget is spent (periodic checkpoints); ``None``: never.
    :param on_every: see ``every``.
    """

    def __init__(
        self,
        budget: int,
        start: int = 0,
        on_progress: ProgressCallback | None = None,
        every: int | None = None,
        on_every: Callable[[int], None] | None = None,
    ) -> None:
        super().__init__(verbose=0)
        self.budget = budget
        self.start = start
        self.done = 0
        self.episodes: list[EpisodePoint] = []
        self._on_progress = on_progress
        self._report_every = max(1, budget // 100)
        self._last_report = 0
        self._every = every if on_every is not None else None
        self._on_every = on_every

    @property
    def spent(self) -> bool:
        """True once this call's budget is used up."""
        return self.done >= self.budget

    def _on_rollout_start(self) -> None:
        """Ends training when a rollout would start after the budget is spent."""
        if self.spent:
            raise BudgetReached

    def _on_step(self) -> bool:
        """Account for one vectorised step; ``False`` stops SB3 mid-rollout at the budget."""
        done_before = self.done
        for info in self.locals["infos"]:
            self.done += primitive_steps(info)
            episode = info.get("episode")
            if episode is not None:
                self.episodes.append(_episode_point(self.start + self.done, episode, info))
        if self.done - self._last_report >= self._report_every or self.spent:
            self.report()
        self._periodic(done_before)
        if not self.spent or self._rollout_ends_now():
            return True
        self._keep_latest_observation()
        return False

    def _periodic(self, done_before: int) -> None:
        """Call ``on_every`` when this step passed a multiple of ``every`` and the budget is not spent."""
        if self._every is None or self.spent or self.done // self._every == done_before // self._every:
            return
        assert self._on_every is not None
        self._on_every(self.done)

    def report(self) -> None:
        """Call ``on_progress(done, budget)`` now."""
        self._last_report = self.done
        if self._on_progress is not None:
            self._on_progress(min(self.done, self.budget), self.budget)

    def flush(self) -> None:
        """Report the final count unless it was just reported."""
        if self._last_report != self.done:
            self.report()

    def _rollout_ends_now(self) -> bool:
        """True at an on-policy rollout's last step: letting it finish trains on the full rollout."""
        if not isinstance(self.model, OnPolicyAlgorithm):
            return False
        return int(self.locals["n_steps"]) + 1 >= int(self.locals["n_rollout_steps"])

    def _keep_latest_observation(self) -> None:
        """SB3 returns before storing the step's observation; keep it so the next ``learn`` continues."""
        self.model._last_obs = self.locals["new_obs"]
        if isinstance(self.model, OnPolicyAlgorithm):
            self.model._last_episode_starts = self.locals["dones"]


def _episode_point(timestep: int, episode: Mapping[str, Any], info: Mapping[str, Any]) -> EpisodePoint:
    """An :class:`EpisodePoint` from Monitor's ``info["episode"]`` and the final step's ``info``."""
    success = info.get("is_success")
    return EpisodePoint(
        timestep=timestep,
        episode_return=float(episode["r"]),
        length=int(episode["l"]),
        success=None if success is None else bool(np.asarray(success).item()),
    )
