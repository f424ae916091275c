"""Gridcraft keeps the environment contract every environment plugin signs."""

from rlgpt.testing import EnvironmentContract


class TestGridcraftContract(EnvironmentContract):
    env_name = "gridcraft"


class TestReachContract(EnvironmentContract):
    env_name = "reach"
