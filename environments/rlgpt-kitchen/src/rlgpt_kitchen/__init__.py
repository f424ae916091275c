"""Franka Kitchen for rlgpt: a Gymnasium environment, its tasks, skill API and critic description."""

from rlgpt_kitchen.describe import describe
from rlgpt_kitchen.env import KitchenEnv, make_env
from rlgpt_kitchen.skills import KitchenSkills
from rlgpt_kitchen.tasks import TASKS

__all__ = ["TASKS", "KitchenEnv", "KitchenSkills", "describe", "make_env"]
