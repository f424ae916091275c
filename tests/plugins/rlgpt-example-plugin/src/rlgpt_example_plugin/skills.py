"""The corridor's skill API and its state description."""

from __future__ import annotations

from typing import Any

from rlgpt import SkillAPI


class CorridorSkills(SkillAPI):
    """Walk along a corridor of cells numbered from 0 (left) to its length minus 1."""

    def step_left(self) -> None:
        """Move one cell to the left."""
        self.act(0)

    def step_right(self) -> None:
        """Move one cell to the right."""
        self.act(1)

    def position(self) -> int:
        """The number of the agent's current cell."""
        return int(self.info["position"])

    def walk_to(self, cell: int) -> None:
        """Walk to ``cell`` (stops early when the episode ends)."""
        while self.position() != cell and not self.episode_over:
            if cell > self.position():
                self.step_right()
            else:
                self.step_left()


def describe(obs: Any, info: Any) -> str:
    """The state in words, for critics."""
    return f"The agent is in cell {info['position']} of a corridor of {info['length']} cells."
