"""The fixed rules of rlgpt.envs.fixed_rules over a discrete action space."""

from __future__ import annotations

import numpy as np
from rlgpt.envs.fixed_rules import MaskedChoice


def test_masked_choice_takes_the_first_preferred_action_the_mask_allows() -> None:
    rule = MaskedChoice(5, np.random.default_rng(0), always=[3, 4])
    assert rule(None, np.array([1, 1, 1, 1, 1], bool)) == 3
    assert rule(None, np.array([1, 1, 1, 0, 1], bool)) == 4
    drawn = {rule(None, np.array([1, 1, 0, 0, 0], bool)) for _ in range(50)}
    assert drawn == {0, 1}, "neither preferred action allowed: a uniform allowed one"
    assert MaskedChoice(5, np.random.default_rng(0), always=2)(None) == 2, "one action, no mask"
