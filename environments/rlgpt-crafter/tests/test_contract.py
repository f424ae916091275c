"""rlgpt's environment contract, run against the registered Crafter plugin."""

from rlgpt.testing import EnvironmentContract


class TestCrafterContract(EnvironmentContract):
    """Registration, check_env, seeded determinism, predicates, docs, describe, gymnasium.make."""

    env_name = "crafter"
