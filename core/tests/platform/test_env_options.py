"""``env_options``: keyword arguments of an environment's factory, set by a run config."""

from __future__ import annotations

from pathlib import Path

import pytest
from rlgpt.config import ConfigError, parse_config, validate_against_registry
from rlgpt.loop import Loop
from rlgpt.plugins import build_registry

pytest.importorskip("rlgpt_crafter")


@pytest.fixture(scope="module")
def registry():
    return build_registry(environ={"RLGPT_LOAD_PLUGINS": "crafter,sb3"})


def test_env_options_override_the_tasks_own_keywords(registry, tmp_path: Path) -> None:
    """pure-rl on Crafter's own reward: ``env_options.reward`` over the task's ``reward="task"``."""
    base = {"env": "crafter-basic", "task": "eat_cow", "method": "pure-rl", "runs_dir": str(tmp_path)}
    loop = Loop.from_config(parse_config(base, ['env_options.reward="achievements"']), registry)
    assert loop.env_spec.make(**loop._env_kwargs()).reward_mode == "achievements"
    default = Loop.from_config(parse_config(base), registry)
    assert default.env_spec.make(**default._env_kwargs()).reward_mode == "task"


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (
            'env_options.rewards="task"',
            "env_options: environment 'crafter-basic' has no option 'rewards' "
            "(options: area, size, reward, continue_world) - did you mean 'reward'?",
        ),
        ('env_options.task="eat_cow"', "env_options: 'task' is not an option here: use task instead"),
        (
            "env_options.render_mode='rgb_array'",
            "env_options: 'render_mode' is not an option here: rlgpt sets it when it records frames",
        ),
    ],
)
def test_bad_env_options_are_one_line_errors(registry, override: str, message: str) -> None:
    config = parse_config({"env": "crafter-basic", "task": "eat_cow"}, [override])
    with pytest.raises(ConfigError) as error:
        validate_against_registry(config, registry)
    assert str(error.value) == message
