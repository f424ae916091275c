"""Crafter for rlgpt: a Gymnasium environment, its tasks, skill API and critic description."""

from rlgpt_crafter.describe import describe
from rlgpt_crafter.env import ACTIONS, CrafterEnv, make_env
from rlgpt_crafter.skills import CrafterBasicSkills, CrafterSkills
from rlgpt_crafter.tasks import TASKS, crafter_score

__all__ = [
    "ACTIONS",
    "TASKS",
    "CrafterBasicSkills",
    "CrafterEnv",
    "CrafterSkills",
    "crafter_score",
    "describe",
    "make_env",
]
