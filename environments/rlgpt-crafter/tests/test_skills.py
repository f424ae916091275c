"""CrafterSkills: programs written against it solve tasks; perception agrees with the view; errors."""

from __future__ import annotations

import numpy as np
import pytest
from rlgpt import Actuator
from rlgpt.skills import render_skill_doc, undocumented_skills
from rlgpt_crafter import CrafterSkills, make_env
from rlgpt_crafter.engine import CLASS_NAMES

SEEDS = range(5)


def collect_wood(skills: CrafterSkills, count: int = 1) -> None:
    """Walk to the nearest visible tree and chop it until ``count`` wood; wander while none is seen."""
    while skills.inventory()["wood"] < count and not skills.episode_over:
        tree = skills.nearest("tree")
        if tree is None:
            skills.explore()
        elif skills.step_towards(tree):
            skills.do()


def place_table(skills: CrafterSkills) -> None:
    """Collect the wood a table needs, then place it on free ground."""
    collect_wood(skills, 2)
    while not skills.episode_over and not skills.place("table"):
        if not skills.can_place("table"):
            skills.explore()


def make_wood_pickaxe(skills: CrafterSkills) -> None:
    """Collect wood for the table and the pickaxe, place the table, stay next to it and make the pickaxe."""
    collect_wood(skills, 3)
    place_table(skills)
    while not skills.episode_over and not skills.can_make("wood_pickaxe"):
        table = skills.nearest("table")
        if table is None:
            return
        skills.step_towards(table)
    skills.make("wood_pickaxe")


PROGRAMS = {"collect_wood": collect_wood, "place_table": place_table, "make_wood_pickaxe": make_wood_pickaxe}


def run_program(task: str, seed: int) -> Actuator:
    """Run the task's program from a seeded reset within the task's budget; return the books."""
    env = make_env(task=task)
    obs, info = env.reset(seed=seed)
    actuator = Actuator(env.step, obs, info, budget=env.max_episode_steps)
    PROGRAMS[task](CrafterSkills(actuator))
    return actuator


def skills_at(seed: int = 0, task: str | None = None) -> CrafterSkills:
    """Skills over a freshly reset environment."""
    env = make_env(task=task)
    obs, info = env.reset(seed=seed)
    return CrafterSkills(Actuator(env.step, obs, info))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("task", list(PROGRAMS))
def test_programs_over_the_skill_api_solve_early_tasks(task: str, seed: int) -> None:
    books = run_program(task, seed)
    assert books.info["is_success"], f"{task} failed from seed {seed} after {books.steps} steps"
    assert books.terminated and books.steps < 100


def test_collect_wood_explores_when_no_tree_is_visible() -> None:
    assert skills_at(seed=0).nearest("tree") is None
    books = run_program("collect_wood", 0)
    assert books.info["is_success"] and books.steps > 3


def test_nearby_agrees_with_the_local_view() -> None:
    skills = skills_at(seed=3)
    for _ in range(40):
        view = skills.info["local_view"]
        for name in ("grass", "tree", "water", "cow", "sand"):
            offsets = skills.nearby(name)
            assert sorted((dy + 3, dx + 4) for dx, dy in offsets) == sorted(
                zip(*np.nonzero(view == CLASS_NAMES.index(name)), strict=True)
            )
            distances = [abs(dx) + abs(dy) for dx, dy in offsets]
            assert distances == sorted(distances)
            assert all(skills.cell(offset) == name for offset in offsets)
            assert skills.nearest(name) == (offsets[0] if offsets else None)
        skills.explore()


def test_perception_reads_info_and_costs_nothing() -> None:
    skills = skills_at(seed=1)
    books = skills._actuator
    assert skills.position() == (32, 32) and skills.direction() == "down"
    assert skills.facing() == skills.cell((0, 1))
    assert skills.cell((0, 0)) == "player" and skills.cell((5, 0)) == "unseen"
    assert skills.vitals() == {"health": 9, "food": 9, "drink": 9, "energy": 9}
    assert sum(skills.inventory().values()) == 0 and sum(skills.achievements().values()) == 0
    assert not skills.can_make("wood_pickaxe") and not skills.can_place("table")
    assert books.steps == 0


def test_actions_cost_one_step_each_and_report_success() -> None:
    skills = skills_at(seed=0)
    books = skills._actuator
    skills.noop()
    skills.sleep()
    assert skills.info["energy"] == 9 and not skills.info["sleeping"]  # full energy: sleep does nothing
    assert skills.make("wood_sword") is False  # no table, no wood
    assert skills.place("stone") is False
    skills.do()
    assert books.steps == 5


def test_step_towards_a_tree_ends_facing_it() -> None:
    skills = skills_at(seed=2)
    tree = skills.nearest("tree")
    assert tree is not None
    for _ in range(20):
        if skills.step_towards(skills.nearest("tree")):
            break
    assert skills.facing() == "tree"
    steps = skills._actuator.steps
    assert skills.step_towards(DIRECTIONS_OFFSET[skills.direction()]) is True
    assert skills._actuator.steps == steps  # already facing: free


DIRECTIONS_OFFSET = {"left": (-1, 0), "right": (1, 0), "up": (0, -1), "down": (0, 1)}


def test_can_make_and_can_place_follow_the_recipes() -> None:
    books = run_program("place_table", 0)
    skills = CrafterSkills(books)
    assert skills.nearest("table") is not None
    assert skills.can_make("wood_pickaxe") == (skills.inventory()["wood"] >= 1)
    assert not skills.can_make("iron_pickaxe")  # no furnace, no iron
    assert not skills.can_place("table")  # facing the table just placed
    assert skills.facing() == "table"


def test_explore_never_steps_on_lava_and_moves() -> None:
    skills = skills_at(seed=4)
    positions = set()
    for _ in range(150):
        skills.explore()
        positions.add(skills.position())
    assert len(positions) > 20
    assert skills.info["health"] > 0


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: s.move("north"), r"unknown direction 'north' \(directions: left, right, up, down\)"),
        (lambda s: s.nearby("tre"), r"unknown material 'tre' \(materials: water, .*did you mean 'tree'\?"),
        (lambda s: s.nearest("player"), r"unknown material 'player'"),
        (
            lambda s: s.place("tabel"),
            r"unknown placeable item 'tabel' \(.*stone, table.*did you mean 'table'",
        ),
        (lambda s: s.make("pickaxe"), r"unknown makeable item 'pickaxe' \(makeable items: wood_pickaxe, "),
        (lambda s: s.can_make("sword"), r"unknown makeable item 'sword'"),
        (lambda s: s.can_place("diamond"), r"unknown placeable item 'diamond'"),
        (lambda s: s.step_towards(None), r"pair of integers \(dx, dy\), got None; nearest\(\) returns"),
        (lambda s: s.cell((1, 2, 3)), r"an offset is a pair of integers \(dx, dy\), got \(1, 2, 3\)"),
    ],
)
def test_bad_arguments_name_the_valid_values(call, message: str) -> None:
    skills = skills_at()
    with pytest.raises(ValueError, match=message):
        call(skills)
    assert skills._actuator.steps == 0


def test_every_skill_is_documented_with_its_cost() -> None:
    assert undocumented_skills(CrafterSkills) == []
    doc = render_skill_doc(CrafterSkills)
    for name in ("move", "do", "place", "make", "nearby", "nearest", "can_make", "step_towards", "explore"):
        assert f"api.{name}(" in doc
    public = [n for n in vars(CrafterSkills) if not n.startswith("_")]
    assert all("Costs" in (getattr(CrafterSkills, n).__doc__ or "") for n in public)


@pytest.mark.parametrize(
    ("read", "named"),
    [
        (lambda s: s.inventory()["water"], "not a key of api.inventory() (sapling, wood,"),
        (lambda s: s.vitals()["thirst"], "not a key of api.vitals() (health, food, drink, energy)"),
        (lambda s: s.achievements()["drink_water"], "collect_drink"),
    ],
)
def test_a_guessed_key_fails_naming_the_keys_there_are(read, named):
    env = make_env(task="collect_drink")
    obs, info = env.reset(seed=0)
    skills = CrafterSkills(Actuator(step=env.step, obs=obs, info=info))
    with pytest.raises(KeyError) as caught:
        read(skills)
    assert named in str(caught.value)
    assert skills.inventory() == info["inventory"] and skills.inventory().get("water", 0) == 0
