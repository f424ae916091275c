"""The Crafter game, adapted: seeded per reset, reproducible across processes, optionally frameless.

Everything that touches Crafter's internals lives here (the package pins ``crafter==1.8.3``).
Three changes to ``crafter.Env``, none of which alter the game's rules:

* **Cross-process determinism.** Crafter keeps each chunk's creatures in a ``set``, which
  iterates in memory-address order; when a chunk has too many zombies/skeletons/cows it
  despawns "a random one" from that order, so two processes with the same seed drift apart.
  :class:`Engine` visits those creatures in position order instead.
* **Frameless stepping.** Drawing the 64x64 image costs more than the game itself.
  With ``draw_frames=False`` no image is drawn; at night the renderer's noise still draws
  the same random numbers (it uses the world's generator), so the world evolves exactly as
  it does with frames: the same seed and actions give the same game in either mode.
* **Side-effect-free render.** :meth:`Engine.frame` restores the world's generator, so
  asking for a picture never changes the game.

World generation is :mod:`rlgpt_crafter.worldgen`: Crafter's generator vectorised, giving the
same worlds (materials, objects, generator state) in a fraction of the time.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import crafter
import numpy as np
from crafter import constants, objects

from rlgpt_crafter.worldgen import generate_world

MATERIALS: tuple[str, ...] = tuple(constants.materials)
"""Crafter's terrain materials; material id ``i + 1`` is ``MATERIALS[i]`` (0: outside the world)."""

CREATURES: tuple[str, ...] = ("player", "cow", "zombie", "skeleton", "arrow", "plant")
"""Objects standing on the terrain, in the id order following the materials."""

CLASS_NAMES: tuple[str, ...] = ("outside", *MATERIALS, *CREATURES)
"""Name of every cell id of the local view (an object hides the material under it)."""

_OBJECT_IDS = {
    objects.Player: CLASS_NAMES.index("player"),
    objects.Cow: CLASS_NAMES.index("cow"),
    objects.Zombie: CLASS_NAMES.index("zombie"),
    objects.Skeleton: CLASS_NAMES.index("skeleton"),
    objects.Arrow: CLASS_NAMES.index("arrow"),
    objects.Plant: CLASS_NAMES.index("plant"),
}

VIEW: tuple[int, int] = (9, 9)
"""Crafter's view in cells (width, height); its bottom two rows show the inventory."""

LOCAL_VIEW: tuple[int, int] = (9, 7)
"""Cells of the world the player sees (width, height), centred on the player."""

DIRECTIONS: dict[str, tuple[int, int]] = {"left": (-1, 0), "right": (1, 0), "up": (0, -1), "down": (0, 1)}
"""Unit offsets ``(dx, dy)``: x grows to the right, y grows downwards."""


class Engine(crafter.Env):
    """``crafter.Env`` seeded per reset, deterministic across processes, with optional frames.

    :param area: world size in cells.
    :param size: pixel size ``(width, height)`` of frames.
    :param draw_frames: draw the image every step (``step`` returns it) or not (``step``
        returns ``None`` as its observation).
    """

    def __init__(self, area: tuple[int, int], size: tuple[int, int], draw_frames: bool) -> None:
        super().__init__(area=area, view=VIEW, size=size, reward=True, length=None, seed=0)
        self._draw_frames = draw_frames
        self._sem_view = _no_full_map
        unit = np.array(size) // np.array(VIEW)
        self._noise_shape = tuple(int(n) for n in np.array(LOCAL_VIEW) * unit)

    def reset_world(self, seed: int) -> np.ndarray | None:
        """Generate a new world from ``seed`` and place the player at its centre."""
        self._seed = seed
        self._episode = 0
        return self.reset()

    def reset(self) -> np.ndarray | None:
        """``crafter.Env.reset`` with the vectorised generator: the next episode's world."""
        self._episode += 1
        self._step = 0
        self._world.reset(seed=hash((self._seed, self._episode)) % (2**31 - 1))
        self._update_time()
        self._player = objects.Player(self._world, (self._world.area[0] // 2, self._world.area[1] // 2))
        self._last_health = self._player.health
        self._world.add(self._player)
        self._unlocked = set()
        generate_world(self._world, self._player)
        return self._obs()

    def continue_world(self) -> np.ndarray | None:
        """Start a new episode in the current world: a fresh player (full vitals, empty inventory,
        no achievements) stands where the last one stood; terrain, creatures, placed blocks and the
        clock carry on. The new player takes the old one's slot in the world, so it still acts first.
        """
        old = self._player
        self._player = objects.Player(self._world, old.pos)
        self._world._objects[self._world._obj_map[tuple(old.pos)]] = self._player
        chunk = self._world._chunks[self._world.chunk_key(old.pos)]
        chunk.discard(old)
        chunk.add(self._player)
        for obj in self._world.objects:
            if getattr(obj, "player", None) is old:
                obj.player = self._player
        self._last_health = self._player.health
        self._unlocked = set()
        return self._obs()

    @property
    def player(self) -> objects.Player:
        """The player object of the current episode."""
        return self._player

    @property
    def daylight(self) -> float:
        """1.0 at noon, near 0 at midnight."""
        return float(self._world.daylight)

    def frame(self, size: tuple[int, int] | None = None) -> np.ndarray:
        """Draw the current image without touching the game's random state."""
        state = self._world.random.get_state()
        try:
            return super().render(size)
        finally:
            self._world.random.set_state(state)

    def local_view(self) -> np.ndarray:
        """Cell ids (see :data:`CLASS_NAMES`) the player sees, shape ``(7, 9)`` as ``[row, column]``.

        Row 3, column 4 is the player; objects hide the material they stand on.
        """
        width, height = LOCAL_VIEW
        x0, y0 = self._player.pos - np.array((width // 2, height // 2))
        area_w, area_h = self._world.area
        xs = slice(max(x0, 0), min(x0 + width, area_w))
        ys = slice(max(y0, 0), min(y0 + height, area_h))
        view = np.zeros((width, height), np.uint8)
        target = (slice(xs.start - x0, xs.stop - x0), slice(ys.start - y0, ys.stop - y0))
        view[target] = self._world._mat_map[xs, ys]
        indices = self._world._obj_map[xs, ys]
        for cx, cy in zip(*np.nonzero(indices), strict=True):
            obj = self._world._objects[indices[cx, cy]]
            view[cx + target[0].start, cy + target[1].start] = _OBJECT_IDS[type(obj)]
        return view.T.copy()

    def _obs(self) -> np.ndarray | None:
        if self._draw_frames:
            return self.render()
        if self._world.daylight < 0.5:
            # The night renderer draws noise from the world's generator; draw the same amount.
            self._world.random.uniform(size=self._noise_shape)
        return None

    def _balance_chunk(self, chunk: tuple[int, int, int, int], objs: Iterable[Any]) -> None:
        super()._balance_chunk(chunk, sorted(objs, key=lambda obj: (int(obj.pos[0]), int(obj.pos[1]))))


def _no_full_map() -> None:
    """Stands in for Crafter's full semantic map, which the agent must not see."""
    return None
