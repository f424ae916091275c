"""Crafter's 22 achievements as tasks, plus ``obtain_diamond``, ``survive`` and ``open_game``.

Each instruction is a goal plus the player-manual steps that lead to it, in order, derived
from Crafter's own recipe tables (what ``do`` collects and with which tool, what placing and
making use and need nearby). A task succeeds once its achievement has been unlocked in the
episode (``info["achievements"][name] > 0``); budgets grow with the achievement's depth in
the technology tree.

Every task but ``open_game`` runs with ``reward="task"``: the game itself rewards nothing, so a
learner is paid only by the success bonus of its (sub-)task's done condition, the same for every
method. ``open_game`` is Crafter's own benchmark: a whole episode with Crafter's reward, scored by
:func:`crafter_score` over the 22 achievements.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from crafter import constants
from rlgpt import TaskSpec

STEPS_PER_LEVEL = 250
"""Default budget per level of depth in the technology tree (``collect_wood`` is depth 1)."""

OBTAIN_DIAMOND_STEPS = 10_000
"""Budget of ``obtain_diamond``: a whole Crafter episode."""

SURVIVE_STEPS = 300
"""Steps ``survive`` asks the player to live through (the first night)."""

TASK_REWARD = {"reward": "task"}
"""Environment keywords of every task but ``open_game``."""

INTRO = (
    "You play Crafter, a 2-D Minecraft-like world seen from above (9x7 cells around you). "
    "Moving towards a free cell walks there; towards a blocked cell it only turns you. "
    "`do` acts on the cell you face (collect, drink, attack, eat)."
)

GOALS: dict[str, str] = {
    "collect_coal": "Collect coal",
    "collect_diamond": "Collect a diamond",
    "collect_drink": "Drink water",
    "collect_iron": "Collect iron",
    "collect_sapling": "Collect a sapling",
    "collect_stone": "Collect stone",
    "collect_wood": "Collect wood",
    "defeat_skeleton": "Defeat a skeleton",
    "defeat_zombie": "Defeat a zombie",
    "eat_cow": "Eat a cow",
    "eat_plant": "Eat a ripe plant",
    "make_iron_pickaxe": "Obtain an iron pickaxe",
    "make_iron_sword": "Obtain an iron sword",
    "make_stone_pickaxe": "Obtain a stone pickaxe",
    "make_stone_sword": "Obtain a stone sword",
    "make_wood_pickaxe": "Obtain a wood pickaxe",
    "make_wood_sword": "Obtain a wood sword",
    "place_furnace": "Place a furnace",
    "place_plant": "Plant a sapling",
    "place_stone": "Place a stone block",
    "place_table": "Place a crafting table",
    "wake_up": "Sleep and wake up",
}
"""The goal sentence of every achievement (Crafter's 22)."""

_CREATURE_HINTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "defeat_skeleton": (
        "Skeletons live in the dark tunnels inside stone areas and shoot arrows; face one and "
        "use `do` until it dies (3 health; swords hit harder).",
        ("make_wood_pickaxe",),
    ),
    "defeat_zombie": (
        "Zombies walk on grass, more of them at night; face one and use `do` until it dies "
        "(5 health; a sword hits harder).",
        (),
    ),
    "eat_cow": ("Cows graze on grass; face one and use `do` until it is eaten (3 hits bare-handed).", ()),
    "eat_plant": (
        "A planted sapling ripens after several hundred steps if no creature tramples it; then "
        "face it and use `do` to eat it.",
        ("place_plant",),
    ),
    "wake_up": (
        "Once energy is below 9, `sleep`; you wake up when energy is restored (zombies hit "
        "sleepers hard, so sleep enclosed).",
        (),
    ),
}
_DEPTH_OVERRIDES = {"defeat_zombie": 2, "eat_plant": 4}


@dataclass(frozen=True)
class Survived:
    """Success predicate: the player is alive after ``steps`` steps of the episode."""

    steps: int

    def __call__(self, info: Mapping[str, Any]) -> bool:
        """Read ``info["step"]`` and ``info["health"]``."""
        return info.get("step", 0) >= self.steps and info.get("health", 0) > 0


@dataclass(frozen=True)
class Never:
    """Success predicate of the open game: there is nothing to finish, only achievements to unlock."""

    def __call__(self, info: Mapping[str, Any]) -> bool:
        """Always false."""
        return False


@dataclass(frozen=True)
class AchievementUnlocked:
    """Success predicate: true once ``achievement`` has been unlocked in the episode."""

    achievement: str

    def __call__(self, info: Mapping[str, Any]) -> bool:
        """Read ``info["achievements"]``; a missing entry counts as not unlocked."""
        return info.get("achievements", {}).get(self.achievement, 0) > 0


def _item_sources() -> dict[str, str]:
    """Achievement that first gives each item or station."""
    sources = {item: f"collect_{item}" for rule in constants.collect.values() for item in rule["receive"]}
    sources.update({item: f"make_{item}" for item in constants.make})
    for station in constants.place:
        sources.setdefault(station, f"place_{station}")
    return sources


_SOURCES = _item_sources()


def _rule(achievement: str) -> tuple[str, tuple[str, ...]]:
    """How to unlock ``achievement`` in one sentence, and the achievements it needs first."""
    verb, _, thing = achievement.partition("_")
    if achievement in _CREATURE_HINTS:
        return _CREATURE_HINTS[achievement]
    if verb == "collect":
        material, rule = next((m, r) for m, r in constants.collect.items() if thing in r["receive"])
        tools = [f"{_article(tool)} {tool.replace('_', ' ')}" for tool in rule["require"]]
        chance = f" ({rule['probability']:.0%} chance each time)" if "probability" in rule else ""
        with_tool = f" with {' and '.join(tools)} in your inventory" if tools else ""
        text = f"To collect {thing}, face {material}{with_tool} and use `do`{chance}."
        return text, tuple(_SOURCES[tool] for tool in rule["require"])
    if verb == "place":
        rule = constants.place[thing]
        uses = _amounts(rule["uses"])
        text = f"To place a {thing}, have {uses} and face {_either(rule['where'])}, then place it."
        return text, tuple(_SOURCES[item] for item in rule["uses"])
    rule = constants.make[thing]
    stations = " and a ".join(rule["nearby"])
    name = thing.replace("_", " ")
    text = (
        f"To make {_article(thing)} {name}, have {_amounts(rule['uses'])} and stand next to a {stations} "
        "(within 1 cell, diagonals count), then make it."
    )
    return text, tuple(_SOURCES[item] for item in (*rule["uses"], *rule["nearby"]))


def _either(names: list[str]) -> str:
    return " or ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def _amounts(uses: Mapping[str, int]) -> str:
    return " and ".join(f"{count} {item.replace('_', ' ')}" for item, count in uses.items())


def manual(achievement: str) -> list[str]:
    """The manual's steps towards ``achievement``, prerequisites first, each once."""
    steps: list[str] = []

    def visit(name: str) -> None:
        text, needs = _rule(name)
        for need in needs:
            visit(need)
        if text not in steps:
            steps.append(text)

    visit(achievement)
    return steps


def depth(achievement: str) -> int:
    """Levels of the technology tree up to ``achievement`` (``collect_wood``: 1)."""
    if achievement in _DEPTH_OVERRIDES:
        return _DEPTH_OVERRIDES[achievement]
    _, needs = _rule(achievement)
    return 1 + max((depth(need) for need in needs), default=0)


def _achievement_task(name: str) -> TaskSpec:
    instruction = " ".join([f"{GOALS[name]} in Crafter (achievement {name}).", INTRO, *manual(name)])
    return TaskSpec(
        id=name,
        instruction=instruction,
        success=AchievementUnlocked(name),
        max_episode_steps=STEPS_PER_LEVEL * depth(name),
        env_kwargs=TASK_REWARD,
    )


def _obtain_diamond() -> TaskSpec:
    instruction = " ".join(
        [
            "Obtain a diamond in Crafter: a long task that climbs the whole technology tree "
            "(wood, table, wood pickaxe, stone, stone pickaxe, furnace, coal, iron, iron pickaxe, "
            "diamond) while staying alive: keep food, drink and energy up by eating cows, "
            "drinking water and sleeping somewhere enclosed.",
            INTRO,
            *manual("collect_diamond"),
            "Diamonds are rare white gems deep inside stone areas, often near lava: never step on lava.",
        ]
    )
    return TaskSpec(
        id="obtain_diamond",
        instruction=instruction,
        success=AchievementUnlocked("collect_diamond"),
        max_episode_steps=OBTAIN_DIAMOND_STEPS,
        env_kwargs=TASK_REWARD,
    )


def _survive() -> TaskSpec:
    instruction = " ".join(
        [
            f"Stay alive for {SURVIVE_STEPS} steps in Crafter. The game starts at night: zombies come out "
            "on grass in the dark and hit hard (2 health, 7 when you sleep); arrows from skeletons hurt too. "
            "Health (0-9) regenerates while food, drink and energy are above zero and drops while any is "
            "zero. Defeat or avoid zombies, drink water, eat cows, and wall yourself in with stone (or "
            "stand where zombies cannot reach) to be safe.",
            INTRO,
            *_CREATURE_HINTS["defeat_zombie"][:1],
            *_CREATURE_HINTS["eat_cow"][:1],
            "To drink, face water and use `do`. To place stone, collect it with a wood pickaxe first.",
        ]
    )
    return TaskSpec(
        id="survive",
        instruction=instruction,
        success=Survived(SURVIVE_STEPS),
        max_episode_steps=SURVIVE_STEPS,
        env_kwargs=TASK_REWARD,
    )


def _open_game() -> TaskSpec:
    instruction = " ".join(
        [
            "Play Crafter's open game: unlock as many of the 22 achievements as you can in one episode "
            "(collect, place, make, eat, drink, defeat, sleep), staying alive as long as possible.",
            INTRO,
        ]
    )
    return TaskSpec(
        id="open_game", instruction=instruction, success=Never(), max_episode_steps=OBTAIN_DIAMOND_STEPS
    )


ACHIEVEMENTS: tuple[str, ...] = tuple(constants.achievements)
"""Crafter's 22 achievements, in its order."""


def crafter_score(success_rates: Mapping[str, float]) -> float:
    """Crafter's score in percent: ``exp(mean(ln(1 + 100 * rate))) - 1`` over the 22 achievements.

    ``success_rates`` maps each achievement to the fraction of episodes that unlocked it (missing
    ones count as 0), as in the Crafter paper (Hafner 2021, eq. 1).
    """
    logs = [math.log(1 + 100 * float(success_rates.get(name, 0.0))) for name in ACHIEVEMENTS]
    return math.exp(sum(logs) / len(logs)) - 1


TASKS: dict[str, TaskSpec] = {
    **{name: _achievement_task(name) for name in constants.achievements},
    "obtain_diamond": _obtain_diamond(),
    "survive": _survive(),
    "open_game": _open_game(),
}
"""Every Crafter task by id: the 22 achievements (Crafter's order), ``obtain_diamond``, ``survive``
and ``open_game``."""
