"""rlgpt learners from stable-baselines3: ``ppo`` (discrete with macro-aware budgets and masks, or
continuous), ``sac`` (continuous), ``dqn``, ``a2c`` and ``td3``; :func:`sb3_learner` makes any SB3 or
sb3-contrib algorithm a learner.

The learner class is :class:`rlgpt_sb3.SB3Learner`; importing this package does not load torch.
"""

from __future__ import annotations

from typing import Any

from rlgpt_sb3.adapter import sb3_learner
from rlgpt_sb3.factories import a2c, dqn, ppo, sac, td3

__all__ = ["SB3Learner", "a2c", "dqn", "ppo", "sac", "sb3_learner", "td3"]


def __getattr__(name: str) -> Any:
    """Import :class:`SB3Learner` (torch, SB3) on first use."""
    if name == "SB3Learner":
        from rlgpt_sb3.learner import SB3Learner

        return SB3Learner
    raise AttributeError(f"module 'rlgpt_sb3' has no attribute {name!r}")
