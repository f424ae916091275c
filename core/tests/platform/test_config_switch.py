"""Switching a plugin with ``--set`` drops the settings written for the old one, with a note."""

from __future__ import annotations

from rlgpt.config import parse_config

PPO = {
    "env": "gridcraft",
    "task": "collect_wood",
    "learner": {"name": "ppo", "hyperparameters": {"n_steps": 128, "gamma": 0.9}},
}


def test_switching_the_learner_drops_the_old_learners_hyperparameters_with_a_note() -> None:
    notes: list[str] = []
    config = parse_config(PPO, ["learner.name=dqn"], notes)
    assert (config.learner.name, config.learner.hyperparameters) == ("dqn", {})
    assert notes == [
        "learner.name switched from 'ppo' to 'dqn': dropped the learner.hyperparameters written for 'ppo' "
        "(n_steps, gamma); give 'dqn' its own with --set learner.hyperparameters.NAME=VALUE"
    ]


def test_hyperparameters_set_with_the_switch_are_kept() -> None:
    notes: list[str] = []
    config = parse_config(PPO, ["learner.name=dqn", "learner.hyperparameters.gamma=0.5"], notes)
    assert config.learner.hyperparameters == {"gamma": 0.5}
    assert "(n_steps)" in notes[0]


def test_the_same_learner_keeps_its_hyperparameters_without_a_note() -> None:
    notes: list[str] = []
    config = parse_config(PPO, ["learner.name=ppo", "learner.total_timesteps=500"], notes)
    assert config.learner.hyperparameters == {"n_steps": 128, "gamma": 0.9} and notes == []


def test_a_file_without_a_learner_name_switches_from_the_default() -> None:
    data = {**PPO, "learner": {"hyperparameters": {"n_steps": 128}}}
    notes: list[str] = []
    assert parse_config(data, ["learner.name=a2c"], notes).learner.hyperparameters == {}
    assert notes[0].startswith("learner.name switched from 'ppo' to 'a2c'")


def test_switching_the_backend_says_which_options_it_dropped() -> None:
    data = {"env": "e", "task": "t", "llm": {"options": {"transcript": "answers.jsonl"}}}
    notes: list[str] = []
    assert parse_config(data, ["llm.backend=openai"], notes).llm.options == {}
    assert notes == [
        "llm.backend switched from 'replay' to 'openai': dropped the llm.options written for 'replay' "
        "(transcript); give 'openai' its own with --set llm.options.NAME=VALUE"
    ]
