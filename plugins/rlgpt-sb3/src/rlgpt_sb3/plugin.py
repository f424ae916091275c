"""Entry point of the ``rlgpt`` plugin: registers ``ppo``, ``sac``, ``dqn``, ``a2c`` and ``td3``."""

from __future__ import annotations

from collections.abc import Callable

import rlgpt
from rlgpt import LearnerSpec

from rlgpt_sb3.adapter import learner_spec
from rlgpt_sb3.algorithms import ALGORITHMS


@rlgpt.hookimpl
def register_learners(register: Callable[[LearnerSpec], None]) -> None:
    """Register every algorithm of :data:`rlgpt_sb3.algorithms.ALGORITHMS`."""
    for algorithm in ALGORITHMS:
        register(learner_spec(algorithm))
