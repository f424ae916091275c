"""rlgpt's environment contract, run against the plugin's adapter on the stand-in (NOT MineDojo).

The stand-in (conftest.py) replaces ``minedojo.make`` for these tests, so the contract checks the
adapter's spaces, seeding, predicates, docs and registration with MineDojo-shaped observations; it
says nothing about MineDojo's own behaviour.
"""

import pytest
from rlgpt.testing import EnvironmentContract

pytestmark = pytest.mark.usefixtures("on_standin")


class TestMineDojoContractOnStandIn(EnvironmentContract):
    """Registration, check_env, seeded determinism, predicates, docs, describe, gymnasium.make."""

    env_name = "minedojo"
