"""One kitchen per test module: building Franka Kitchen's MuJoCo model takes about a second."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from rlgpt_kitchen import KitchenEnv, make_env


@pytest.fixture(scope="module")
def kitchen() -> Iterator[KitchenEnv]:
    env = make_env(task="all_four")
    yield env
    env.close()
