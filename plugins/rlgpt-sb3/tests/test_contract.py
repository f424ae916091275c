"""Every learner of the plugin passes the core's learner contract."""

from typing import ClassVar

from rlgpt.testing import LearnerContract


class TestPPOContract(LearnerContract):
    """PPO on discrete actions (including macro steps)."""

    learner_name = "ppo"
    action_space = "discrete"


class TestPPOContinuousContract(LearnerContract):
    """PPO on continuous actions (a Box, with a selector per coded action); on-policy, it needs a
    larger budget than SAC to reach the goal."""

    learner_name = "ppo"
    action_space = "continuous"
    learning_budgets: ClassVar[dict[str, int]] = {"continuous": 6_000}


class TestSACContract(LearnerContract):
    """SAC on continuous actions."""

    learner_name = "sac"
    action_space = "continuous"


class TestDQNContract(LearnerContract):
    """DQN on discrete actions, registered through the SB3 adapter."""

    learner_name = "dqn"
    action_space = "discrete"


class TestA2CContract(LearnerContract):
    """A2C on discrete actions."""

    learner_name = "a2c"
    action_space = "discrete"


class TestTD3Contract(LearnerContract):
    """TD3 on continuous actions."""

    learner_name = "td3"
    action_space = "continuous"
