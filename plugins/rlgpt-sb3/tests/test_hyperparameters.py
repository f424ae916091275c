"""Hyperparameters are checked against the SB3 constructor's annotations before a run starts."""

import pytest
from rlgpt_sb3.algorithms import PPO_ALGORITHM, SAC_ALGORITHM


@pytest.mark.parametrize(
    ("algorithm", "hyperparameters"),
    [
        (SAC_ALGORITHM, {"ent_coef": 0.02}),  # str | float, default "auto"
        (SAC_ALGORITHM, {"ent_coef": "auto_0.1"}),
        (SAC_ALGORITHM, {"train_freq": [1, "step"]}),  # TOML gives a list for a tuple
        (PPO_ALGORITHM, {"policy_kwargs": {"net_arch": [8]}, "target_kl": None, "gamma": 1}),
    ],
)
def test_values_that_fit_the_annotation_pass(algorithm, hyperparameters):
    algorithm.validate(hyperparameters)


@pytest.mark.parametrize(
    ("hyperparameters", "message"),
    [
        ({"n_steps": "abc"}, "'n_steps' of learner 'ppo' must be int, got 'abc'"),
        ({"n_steps": True}, "must be int, got True"),
        ({"learning_rate": "fast"}, "'learning_rate' of learner 'ppo' must be float"),
        ({"policy_kwargs": [64]}, "'policy_kwargs' of learner 'ppo' must be dict"),
        ({"n_step": 128}, "did you mean 'n_steps'"),
    ],
)
def test_values_that_do_not_fit_are_one_line_errors(hyperparameters, message):
    with pytest.raises(ValueError, match=message) as caught:
        PPO_ALGORITHM.validate(hyperparameters)
    assert "\n" not in str(caught.value)
