"""rlgpt's environment contract, run against the registered furniture plugin."""

from rlgpt.testing import EnvironmentContract


class TestFurnitureContract(EnvironmentContract):
    """Registration, check_env, seeded determinism, predicates, docs, describe, gymnasium.make."""

    env_name = "furniture"
    skill_calls = 60
