"""rlgpt learners from stable-baselines3: ``ppo`` (discrete, macro-aware budgets) and ``sac`` (continuous).

The learner class is :class:`rlgpt_sb3.learner.SB3Learner`; importing this package does not load torch.
"""

from rlgpt_sb3.factories import ppo, sac

__all__ = ["ppo", "sac"]
