"""rlgpt learners from stable-baselines3: ``ppo`` (discrete, macro-aware budgets) and ``sac`` (continuous)."""

from rlgpt_sb3.learner import SB3Learner, ppo, sac

__all__ = ["SB3Learner", "ppo", "sac"]
