"""Which learned predictors the loop hands action masks to."""

from __future__ import annotations

from rlgpt.envs.policies import takes_action_masks


def test_only_predictors_that_take_action_masks_get_them() -> None:
    def plain(obs, *, deterministic=True):
        return 0

    def masked(obs, *, deterministic=True, action_masks=None):
        return 0

    assert not takes_action_masks(plain)
    assert takes_action_masks(masked) and takes_action_masks(lambda obs, **_: 0)
