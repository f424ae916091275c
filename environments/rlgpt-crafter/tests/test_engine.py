"""The engine's local view matches Crafter's own world lookups, edges of the world included."""

from __future__ import annotations

import numpy as np
import pytest
from rlgpt_crafter.engine import CLASS_NAMES, Engine


def reference_view(engine: Engine) -> np.ndarray:
    """The 7x9 view built cell by cell through ``World.__getitem__`` (Crafter's public lookup)."""
    world, centre = engine._world, engine.player.pos
    view = np.zeros((7, 9), np.uint8)
    for row in range(7):
        for column in range(9):
            material, obj = world[centre + np.array((column - 4, row - 3))]
            name = type(obj).__name__.lower() if obj else (material or "outside")
            view[row, column] = CLASS_NAMES.index(name)
    return view


@pytest.mark.parametrize("position", [(32, 32), (0, 0), (63, 63), (2, 61), (60, 1), (4, 3)])
def test_local_view_matches_world_lookups(position: tuple[int, int]) -> None:
    engine = Engine(area=(64, 64), size=(64, 64), draw_frames=False)
    engine.reset_world(11)
    for _ in range(30):
        engine.step(0)  # let creatures move about
    engine.player.pos = np.array(position)  # look from elsewhere (the object map keeps the player)
    assert np.array_equal(engine.local_view(), reference_view(engine))


def test_frameless_steps_return_no_image_and_night_frames_keep_the_game_state() -> None:
    engine = Engine(area=(64, 64), size=(64, 64), draw_frames=False)
    assert engine.reset_world(0) is None
    assert engine.step(0)[0] is None
    for _ in range(200):
        engine.step(0)
    assert engine.daylight < 0.5  # at night drawing uses the game's random generator
    state = engine._world.random.get_state()[1].copy()
    frame = engine.frame()
    assert frame.shape == (64, 64, 3) and frame.any()
    assert np.array_equal(engine._world.random.get_state()[1], state)
