"""The corridor passes the environment contract every environment plugin must pass."""

from rlgpt.testing import EnvironmentContract


class TestCorridor(EnvironmentContract):
    env_name = "corridor"
