"""rlgpt's environment contract, run against the registered kitchen plugin."""

from rlgpt.testing import EnvironmentContract


class TestKitchenContract(EnvironmentContract):
    """Registration, check_env, seeded determinism, predicates, docs, describe, gymnasium.make."""

    env_name = "kitchen"
    determinism_steps = 15
