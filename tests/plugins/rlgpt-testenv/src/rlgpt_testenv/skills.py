"""The skill API generated code uses in gridcraft."""

from __future__ import annotations

from rlgpt import SkillAPI

DIRECTIONS = {"left": 1, "right": 2, "up": 3, "down": 4}


class GridcraftSkills(SkillAPI):
    """Act in gridcraft and read what the agent sees. x grows to the right, y grows downwards."""

    def move(self, direction: str) -> None:
        """Move one cell ("left", "right", "up" or "down"); costs 1 step. The tree blocks movement."""
        if direction not in DIRECTIONS:
            raise ValueError(f"unknown direction {direction!r}; use one of {sorted(DIRECTIONS)}")
        self.act(DIRECTIONS[direction])

    def chop(self) -> None:
        """Chop the tree (gives 1 wood when the tree is in an adjacent cell); costs 1 step."""
        self.act(5)

    def craft_plank(self) -> None:
        """Turn 1 wood into 1 plank; costs 1 step."""
        self.act(6)

    def build_house(self) -> None:
        """Turn 2 planks into a house; costs 1 step."""
        self.act(7)

    def tree_offset(self) -> tuple[int, int]:
        """(dx, dy) from the agent to the tree; free."""
        return tuple(self.info["tree_offset"])

    def next_to_tree(self) -> bool:
        """True when the tree is in an adjacent cell (chopping works); free."""
        dx, dy = self.tree_offset()
        return abs(dx) + abs(dy) == 1

    def inventory(self) -> dict[str, int]:
        """Counts of wood, plank and house; free."""
        return dict(self.info["inventory"])
