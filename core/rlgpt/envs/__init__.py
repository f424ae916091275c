"""Gymnasium wrappers that put plans and generated code into environments.

Plain wrappers: they know nothing of agents or of the loop.
"""

from rlgpt.envs.chain import ChainResult, SubtaskChain, run_chain
from rlgpt.envs.coded_actions import RESET_STEPS, CodedActions
from rlgpt.envs.goals import DoneCondition, ShapedReward
from rlgpt.envs.policies import CodePolicy, LearnedPolicy, PolicyResult, SubtaskOutcome, SubtaskPolicy, holds

__all__ = [
    "RESET_STEPS",
    "ChainResult",
    "CodePolicy",
    "CodedActions",
    "DoneCondition",
    "LearnedPolicy",
    "PolicyResult",
    "ShapedReward",
    "SubtaskChain",
    "SubtaskOutcome",
    "SubtaskPolicy",
    "holds",
    "run_chain",
]
