"""The ppo and sac learners pass the core's learner contract."""

from rlgpt.testing import LearnerContract


class TestPPOContract(LearnerContract):
    """PPO on discrete actions (including macro steps)."""

    learner_name = "ppo"
    action_space = "discrete"


class TestSACContract(LearnerContract):
    """SAC on continuous actions."""

    learner_name = "sac"
    action_space = "continuous"
