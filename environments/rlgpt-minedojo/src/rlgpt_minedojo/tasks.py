"""The RL-GPT / Plan4MC task set on MineDojo, and ObtainDiamond as a chain of milestones.

Every task is MineDojo's ``harvest`` meta task (``minedojo.make("harvest", target_names=...,
target_quantities=...)``), set up as Plan4MC's ``envs/hard_task_conf.yaml`` or MineDojo's own
programmatic task sets it up (biome, starting inventory, animals nearby); :attr:`MineDojoTask.source`
names which. Success is MineDojo's harvest criterion (``simple_inventory_based_check``): the
inventory holds at least ``quantity`` more of the target than at the start of the episode.
Budgets are Plan4MC's where it has the task; the others are this plugin's choice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rlgpt import TaskSpec

INTRO = (
    "You play Minecraft through MineDojo, in first person. Each step you may move "
    "(forward/back/left/right, jump, sneak, sprint), turn the camera, and use or attack what is in "
    "the crosshair; breaking a block takes many attack steps and drops the item, which you pick up "
    "by walking over it. Crafting, equipping and placing are skill functions."
)

RECIPES: dict[str, tuple[dict[str, int], int, str]] = {
    "planks": ({"log": 1}, 4, "hand"),
    "stick": ({"planks": 2}, 4, "hand"),
    "crafting_table": ({"planks": 4}, 1, "hand"),
    "wooden_pickaxe": ({"planks": 3, "stick": 2}, 1, "table"),
    "stone_pickaxe": ({"cobblestone": 3, "stick": 2}, 1, "table"),
    "furnace": ({"cobblestone": 8}, 1, "table"),
    "iron_ingot": ({"iron_ore": 1}, 1, "furnace"),
    "iron_pickaxe": ({"iron_ingot": 3, "stick": 2}, 1, "table"),
    "bucket": ({"iron_ingot": 3}, 1, "table"),
    "shears": ({"iron_ingot": 2}, 1, "hand"),
    "bed": ({"wool": 3, "planks": 3}, 1, "table"),
}
"""``item: (ingredients, count made, where)`` from MineDojo's ``mc_constants.json`` recipes; where is
"hand" (the inventory grid), "table" (a crafting table within reach) or "furnace" (smelting)."""

GATHER: dict[str, str] = {
    "log": "Find a tree and attack its trunk (a 'wood' block) until it breaks; pick up the log.",
    "cobblestone": "With a wooden pickaxe equipped, attack stone until it breaks; pick up the cobblestone.",
    "iron_ore": "With a stone pickaxe equipped, find iron ore (in stone, often in caves) and mine it.",
    "diamond": (
        "With an iron pickaxe equipped, dig down to the lowest layers (y below 16) and mine diamond "
        "ore; never dig straight down and keep away from lava."
    ),
    "milk_bucket": "Equip the empty bucket, face a cow up close and use it.",
    "wool": "Equip the shears, face a sheep up close and use them.",
    "beef": "Equip the sword, find a cow and attack it until it dies; pick up the beef.",
    "mutton": "Equip the sword, find a sheep and attack it until it dies; pick up the mutton.",
}
"""How each raw material is obtained, for instructions."""

_UNCOUNTED = frozenset({"planks", "cobblestone", "wool", "sheep", "iron ore", "shears"})


def amount(count: int, item: str) -> str:
    """``count`` of ``item`` in words: ``"2 sticks"``, ``"3 cobblestone"``."""
    name = item.replace("_", " ")
    return f"{count} {name if count == 1 or name in _UNCOUNTED else name + 's'}"


_WHERE = {
    "hand": "in the inventory grid",
    "table": "with a crafting table placed within reach",
    "furnace": "with a furnace placed within reach",
}


@dataclass(frozen=True)
class InventoryGain:
    """Success predicate: ``info["inventory"]`` holds ``quantity`` more ``item`` than
    ``info["start_inventory"]`` (MineDojo's ``simple_inventory_based_check``, read from the observation)."""

    item: str
    quantity: int = 1

    def __call__(self, info: Mapping[str, Any]) -> bool:
        """True once the gain reaches ``quantity``; missing entries count as 0."""
        now = info.get("inventory", {}).get(self.item, 0)
        start = info.get("start_inventory", {}).get(self.item, 0)
        return bool(now - start >= self.quantity)


@dataclass(frozen=True)
class MineDojoTask:
    """One task: what to harvest, how MineDojo sets the world up, and the budget.

    :param id: the rlgpt task id.
    :param goal: the goal sentence of the instruction.
    :param target: the item to harvest (MineDojo's ``target_names``).
    :param quantity: how many (``target_quantities``).
    :param biome: MineDojo's ``specified_biome`` (``None``: any).
    :param inventory: starting items as ``(slot, item, quantity)``; slot 0 is the main hand.
    :param mobs: animals spawned around the player at the start (``initial_mobs``).
    :param mob_range: half-width in blocks of the square they spawn in.
    :param max_steps: default episode budget in MineDojo steps.
    :param chain: milestone items in the order the task passes them (ObtainDiamond's tech tree).
    :param source: where this setup comes from.
    """

    id: str
    goal: str
    target: str
    quantity: int
    biome: str | None
    max_steps: int
    source: str
    inventory: tuple[tuple[int, str, int], ...] = ()
    mobs: tuple[str, ...] = ()
    mob_range: int = 10
    chain: tuple[str, ...] = field(default=())

    def steps(self) -> list[str]:
        """The instruction's how-to steps: every recipe and gathering step towards the target,
        prerequisites first, skipping what the starting inventory already holds."""
        have = {item for _, item, _ in self.inventory}
        lines: list[str] = []

        def visit(item: str) -> None:
            if item in have:
                return
            if item in RECIPES:
                ingredients, made, where = RECIPES[item]
                for ingredient in ingredients:
                    visit(ingredient)
                if where != "hand":
                    visit("crafting_table" if where == "table" else "furnace")
                uses = " and ".join(amount(count, name) for name, count in ingredients.items())
                verb = "Smelt" if where == "furnace" else "Craft"
                line = f"{verb} {amount(made, item)} from {uses} {_WHERE[where]}."
            else:
                tools = {
                    "cobblestone": "wooden_pickaxe",
                    "iron_ore": "stone_pickaxe",
                    "diamond": "iron_pickaxe",
                }
                if item in tools:
                    visit(tools[item])
                line = GATHER[item]
            if line not in lines:
                lines.append(line)

        visit(self.target)
        return lines

    def instruction(self) -> str:
        """The text the slow agent reads: goal, setting, starting items, steps."""
        setting = [f"{self.goal} (MineDojo harvest task: {self.quantity} {self.target}).", INTRO]
        if self.biome:
            setting.append(f"The world is a {self.biome.replace('_', ' ')} biome.")
        if self.inventory:
            items = ", ".join(amount(count, item) for _, item, count in self.inventory)
            setting.append(f"You start with {items}.")
        if self.mobs:
            counts = {mob: self.mobs.count(mob) for mob in dict.fromkeys(self.mobs)}
            animals = " and ".join(amount(n, mob) for mob, n in counts.items())
            verb = "starts" if len(self.mobs) == 1 else "start"
            setting.append(f"{animals.capitalize()} {verb} within {self.mob_range} blocks of you.")
        if self.chain:
            setting.append("Milestones in order: " + ", ".join(self.chain) + ".")
        return " ".join([*setting, *self.steps()])

    def spec(self) -> TaskSpec:
        """The task as rlgpt's :class:`~rlgpt.TaskSpec`."""
        return TaskSpec(
            id=self.id,
            instruction=self.instruction(),
            success=InventoryGain(self.target, self.quantity),
            max_episode_steps=self.max_steps,
        )


_ANIMALS = ("cow", "cow", "cow", "sheep", "sheep", "sheep")
_PLAN4MC = "Plan4MC envs/hard_task_conf.yaml"

DIAMOND_CHAIN: tuple[str, ...] = (
    "log", "planks", "stick", "crafting_table", "wooden_pickaxe", "cobblestone", "stone_pickaxe",
    "iron_ore", "furnace", "iron_ingot", "iron_pickaxe", "diamond",
)  # fmt: skip
"""ObtainDiamond's milestones: the items the technology tree passes, in order."""

MINEDOJO_TASKS: dict[str, MineDojoTask] = {
    task.id: task
    for task in (
        MineDojoTask(
            "harvest_log", "Harvest a log", "log", 1, "plains", 2000, "MineDojo harvest_1_log_plains",
        ),
        MineDojoTask(
            "craft_crafting_table", "Obtain a crafting table", "crafting_table", 1, "plains", 3000,
            "MineDojo harvest_1_crafting_table_plains",
        ),
        MineDojoTask("craft_stick", "Obtain a stick", "stick", 1, "plains", 3000, f"{_PLAN4MC} craft_stick"),
        MineDojoTask(
            "craft_wooden_pickaxe", "Obtain a wooden pickaxe", "wooden_pickaxe", 1, "forest", 3000,
            f"{_PLAN4MC} craft_wooden_pickaxe",
        ),
        MineDojoTask(
            "craft_stone_pickaxe", "Obtain a stone pickaxe", "stone_pickaxe", 1, "forest_hills", 10000,
            f"{_PLAN4MC} craft_stone_pickaxe_with_wooden_pickaxe", inventory=((0, "wooden_pickaxe", 1),),
        ),
        MineDojoTask(
            "harvest_milk", "Obtain milk from a cow with an empty bucket", "milk_bucket", 1, "plains", 1000,
            "MineDojo harvest_milk_with_empty_bucket_and_cow (in plains)",
            inventory=((0, "bucket", 1),), mobs=("cow",),
        ),
        MineDojoTask(
            "harvest_wool", "Shear a sheep", "wool", 1, "plains", 1000,
            "MineDojo harvest_wool_with_shears_and_sheep (in plains)",
            inventory=((0, "shears", 1),), mobs=("sheep",),
        ),
        MineDojoTask(
            "harvest_beef", "Obtain beef", "beef", 1, "plains", 3000,
            f"{_PLAN4MC} harvest_beef_with_diamond_sword",
            inventory=((0, "diamond_sword", 1),), mobs=_ANIMALS, mob_range=30,
        ),
        MineDojoTask(
            "harvest_mutton", "Obtain mutton", "mutton", 1, "plains", 3000,
            f"{_PLAN4MC} harvest_mutton_with_diamond_sword",
            inventory=((0, "diamond_sword", 1),), mobs=_ANIMALS, mob_range=30,
        ),
        MineDojoTask(
            "craft_bed", "Obtain a bed", "bed", 1, "plains", 10000,
            f"{_PLAN4MC} craft_bed_with_crafting_table_and_shears",
            inventory=((0, "crafting_table", 1), (1, "shears", 1)), mobs=_ANIMALS, mob_range=30,
        ),
        MineDojoTask(
            "obtain_diamond", "Obtain a diamond from nothing", "diamond", 1, None, 18000,
            "MineDojo harvest_1_diamond; budget: MineRL ObtainDiamond's 18000 steps", chain=DIAMOND_CHAIN,
        ),
    )
}  # fmt: skip
"""The tasks by id."""

TASKS: dict[str, TaskSpec] = {task_id: task.spec() for task_id, task in MINEDOJO_TASKS.items()}
"""The tasks as rlgpt :class:`~rlgpt.TaskSpec` objects, by id."""
