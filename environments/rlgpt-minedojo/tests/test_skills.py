"""The skill API through the adapter on the stand-in (NOT MineDojo): the actions it sends, what it reads."""

from __future__ import annotations

from typing import Any

import pytest
from rlgpt.skills import Actuator, StepBudgetExceeded, observer, render_skill_doc
from rlgpt_minedojo.env import MineDojoEnv, make_env
from rlgpt_minedojo.skills import MineDojoSkills

pytestmark = pytest.mark.usefixtures("on_standin")


class Recorder:
    """Steps the env and keeps the MineDojo action each step sent (as ``info["action"]`` words)."""

    def __init__(self, env: MineDojoEnv) -> None:
        self.env, self.sent = env, []

    def __call__(self, action: Any) -> Any:
        result = self.env.step(action)
        self.sent.append(result[4]["action"])
        return result


def skills(
    task: str = "obtain_diamond", seed: int = 3, budget: int | None = None
) -> tuple[MineDojoSkills, Recorder]:
    env = make_env(task=task)
    obs, info = env.reset(seed=seed)
    recorder = Recorder(env)
    return MineDojoSkills(Actuator(step=recorder, obs=obs, info=info, budget=budget)), recorder


def test_primitives_send_minedojo_actions() -> None:
    api, sent = skills()
    api.noop()
    api.move("left", steps=2)
    api.jump()
    api.look(pitch=30, yaw=-45)
    api.attack(steps=1)
    api.use()
    camera = "camera pitch +30, camera yaw -45"
    assert sent.sent == ["no_op", "left", "left", "forward, jump", camera, "attack", "use"]
    assert api.orientation() == (-45.0, 30.0)
    with pytest.raises(ValueError, match="direction must be one of"):
        api.move("up")
    with pytest.raises(ValueError, match="non-negative integer"):
        api.attack(steps=-1)


def test_find_approach_harvest_craft_place() -> None:
    api, sent = skills()
    wood = api.find("wood")
    assert wood is not None and wood["distance"] == pytest.approx(6.0, abs=0.01)
    assert api.find("diamond_ore") is None and api.seen()["wood"] == wood
    assert api.approach("wood", distance=2.5)
    assert api.find("wood")["distance"] <= 2.5 and abs(api.find("wood")["yaw"]) <= 15
    assert api.harvest("log", max_steps=10) and api.count("log") == 1
    assert sent.sent[-1] == "forward, attack"
    assert not api.can_craft("crafting_table") and api.can_craft("planks")
    assert api.craft("planks") and api.inventory() == {"planks": 4}
    assert api.craft("crafting_table") and api.count("crafting_table") == 1
    assert not api.table_nearby() and not api.furnace_nearby()
    assert api.place("crafting_table") and api.table_nearby()
    assert not api.place("crafting_table")  # none left: no step
    assert sent.sent[-3:] == ["craft planks", "craft crafting_table", "place slot 0"]
    assert not api.craft("wooden_pickaxe")  # no sticks yet
    with pytest.raises(ValueError, match="cannot be crafted"):
        api.can_craft("log")


def test_equip_reads_the_main_hand() -> None:
    api, sent = skills(task="craft_bed")
    assert api.mainhand() == "crafting_table"
    steps = len(sent.sent)
    assert api.equip("crafting_table") and len(sent.sent) == steps  # already held: 0 steps
    assert api.equip("shears") and api.mainhand() == "shears" and sent.sent[-1] == "equip slot 1"
    assert not api.equip("diamond_pickaxe") and len(sent.sent) == steps + 1


def test_milk_with_the_bucket() -> None:
    api, _ = skills(task="harvest_milk", seed=1)
    assert api.approach("cow", distance=2.5)
    assert any(api.face("cow") for _ in range(3))
    api.use()
    assert api.inventory() == {"milk_bucket": 1} and api.info["is_success"]


def test_perception_costs_nothing_and_observers_cannot_act() -> None:
    api, sent = skills(task="harvest_log")
    assert api.vitals() == {"life": 20.0, "food": 20.0, "oxygen": 300.0}
    assert api.block(0, -1, 0) == "grass block" and api.block(1, 0, -1) == "air"
    assert api.position() == pytest.approx(api.info["position"]) and api.position()[1] == 64.0
    assert sent.sent == []
    with pytest.raises(ValueError, match=r"offsets -1\.\.1"):
        api.block(0, 2, 0)
    looker = observer(MineDojoSkills, api.obs, api.info)
    assert looker.count("log") == 0
    with pytest.raises(BaseException, match="may only observe"):
        looker.noop()


def test_budget_stops_long_skills() -> None:
    api, sent = skills(task="harvest_log", budget=5)
    with pytest.raises(StepBudgetExceeded):
        api.explore(steps=20)
    assert len(sent.sent) == 5


def test_skill_doc_covers_the_api() -> None:
    doc = render_skill_doc(MineDojoSkills)
    for name in ("api.craft(item: str) -> bool", "api.approach(", "api.find(", "api.look("):
        assert name in doc
