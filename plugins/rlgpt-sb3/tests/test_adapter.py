"""sb3_learner: any SB3 or sb3-contrib algorithm as a learner spec, with one-line errors for bad input."""

from __future__ import annotations

import pytest
from rlgpt.testing import Corridor, Reach
from rlgpt_sb3 import SB3Learner, sb3_learner
from stable_baselines3 import A2C


def test_a_class_or_a_reference_names_the_algorithm() -> None:
    by_class = sb3_learner("a2c-both", A2C, action_spaces=["discrete", "continuous"])
    by_name = sb3_learner("a2c-both", "stable_baselines3:A2C", action_spaces=("discrete", "continuous"))
    assert by_class.action_spaces == by_name.action_spaces == frozenset({"discrete", "continuous"})
    assert by_class.periodic_checkpoints and by_class.description == "A2C (stable_baselines3)"
    for spec, env_fn in ((by_class, Corridor), (by_name, Reach)):
        learner = spec.factory(env_fn, seed=0)
        assert isinstance(learner, SB3Learner) and type(learner.model) is A2C
        assert learner.learn(40).timesteps == 40


def test_defaults_sit_on_cpu_defaults_and_yield_to_hyperparameters() -> None:
    spec = sb3_learner(
        "small-a2c", "stable_baselines3:A2C", action_spaces="discrete", defaults={"n_steps": 8}
    )
    model = spec.factory(Corridor).model
    assert (model.n_steps, str(model.device), model.verbose) == (8, "cpu", 0)
    assert spec.factory(Corridor, n_steps=4).model.n_steps == 4
    with pytest.raises(
        ValueError, match=r"unknown hyperparameter 'n_step' for learner 'small-a2c'.*'n_steps'"
    ):
        spec.validate_hyperparameters({"n_step": 4})


def test_the_algorithm_must_fit_the_env() -> None:
    spec = sb3_learner("dqn2", "stable_baselines3:DQN", action_spaces="discrete")
    with pytest.raises(ValueError, match=r"learner 'dqn2' trains on discrete actions.* - use learner 'sac'"):
        spec.factory(Reach)


@pytest.mark.parametrize(
    ("algorithm", "action_spaces", "message"),
    [
        ("stable_baselines3.DQN", "discrete", "algorithm must be an SB3 algorithm class or 'module:Class'"),
        (42, "discrete", "got 42 - e.g. 'stable_baselines3:DQN'"),
        ("stable_baselines3:DQN", "discret", r"must be 'discrete' and/or 'continuous', got \['discret'\]"),
        ("stable_baselines3:DQN", [], "must be 'discrete' and/or 'continuous', got \\[\\]"),
    ],
)
def test_bad_arguments_are_one_line_errors(algorithm, action_spaces, message) -> None:
    with pytest.raises(ValueError, match=message) as caught:
        sb3_learner("x", algorithm, action_spaces=action_spaces)
    assert "\n" not in str(caught.value)
