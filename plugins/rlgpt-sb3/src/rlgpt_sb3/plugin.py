"""Entry point of the ``rlgpt`` plugin: registers the ``ppo`` and ``sac`` learners."""

from __future__ import annotations

from collections.abc import Callable

import rlgpt
from rlgpt import LearnerSpec

from rlgpt_sb3.algorithms import PPO_ALGORITHM, SAC_ALGORITHM
from rlgpt_sb3.factories import ppo, sac
from rlgpt_sb3.policy import CheckpointLoader


@rlgpt.hookimpl
def register_learners(register: Callable[[LearnerSpec], None]) -> None:
    """Register PPO (discrete actions) and SAC (continuous actions)."""
    for algorithm, factory in ((PPO_ALGORITHM, ppo), (SAC_ALGORITHM, sac)):
        register(
            LearnerSpec(
                name=algorithm.name,
                factory=factory,
                description=algorithm.description,
                action_spaces=frozenset({algorithm.action_space}),
                load_policy=CheckpointLoader(algorithm),
                validate_hyperparameters=algorithm.validate,
            )
        )
