"""The learner contract fails learners that break it (each check here breaks the PPO learner one way)."""

from __future__ import annotations

import pytest
from rlgpt.testing import LearnerContract
from rlgpt_sb3 import budget
from rlgpt_sb3.learner import SB3Learner


class BrokenPPO(LearnerContract):
    """The PPO contract, run against deliberately broken variants (not collected: no ``Test`` prefix)."""

    learner_name = "ppo"
    action_space = "discrete"


class FrozenPPO(BrokenPPO):
    """PPO that never changes its weights."""

    hyperparameters = {"learning_rate": 0.0}  # noqa: RUF012 - the contract's ClassVar


def test_a_learner_that_does_not_learn_fails() -> None:
    with pytest.raises(AssertionError, match=r"solved .* of eval episodes"):
        contract = FrozenPPO()
        contract.test_learning_reaches_goal(contract.train_on_task())


def test_counting_macro_steps_as_one_fails(monkeypatch) -> None:
    monkeypatch.setattr(budget, "primitive_steps", lambda info: 1)
    with pytest.raises(AssertionError, match="primitive steps finish"):
        BrokenPPO().test_macro_steps_count_toward_budget()


def test_a_load_that_restores_nothing_fails(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(SB3Learner, "load", lambda self, path: None)
    with pytest.raises(AssertionError, match="predictions differ after load"):
        contract = BrokenPPO()
        contract.test_save_load_round_trip(contract.train_on_task(), tmp_path)


def test_losing_episodes_fails(monkeypatch) -> None:
    on_step = budget.BudgetCallback._on_step

    def keep_ten_episodes(self: budget.BudgetCallback) -> bool:
        go_on = on_step(self)
        del self.episodes[10:]
        return go_on

    monkeypatch.setattr(budget.BudgetCallback, "_on_step", keep_ten_episodes)
    with pytest.raises(AssertionError, match="episodes recorded"):
        BrokenPPO().test_budget_is_respected()
