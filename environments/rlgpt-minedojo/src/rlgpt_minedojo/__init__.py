"""MineDojo for rlgpt: a Gymnasium adapter, RL-GPT's task set, the compact action space, a skill API
and the critic's description. MineDojo itself is installed separately (see the README)."""

from rlgpt_minedojo.actions import ACTIONS, from_minedojo, to_minedojo
from rlgpt_minedojo.describe import describe
from rlgpt_minedojo.env import MineDojoEnv, make_env
from rlgpt_minedojo.skills import MineDojoSkills
from rlgpt_minedojo.tasks import TASKS

__all__ = [
    "ACTIONS",
    "TASKS",
    "MineDojoEnv",
    "MineDojoSkills",
    "describe",
    "from_minedojo",
    "make_env",
    "to_minedojo",
]
