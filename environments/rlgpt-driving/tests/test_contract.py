"""rlgpt's environment contract, run against the registered driving plugin."""

from rlgpt.testing import EnvironmentContract


class TestDrivingContract(EnvironmentContract):
    """Registration, check_env, seeded determinism, predicates, docs, describe, gymnasium.make."""

    env_name = "driving"
