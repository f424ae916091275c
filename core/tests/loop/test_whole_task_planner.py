"""planner = "whole-task": no model plans; the coder writes one program for the task, the critic reads it."""

from __future__ import annotations

import json

from rlgpt.agents.whole_task import WHOLE_TASK_DONE
from rlgpt.loop import Loop
from test_skills_in_the_loop import WALK_AND_CHOP

WOOD = WALK_AND_CHOP.split("def done(api):")[0]
CRAFT = "    api.craft_plank()\n    return True\n"
PLANK = WOOD.replace("get_wood", "make_plank").replace("    return True\n", CRAFT)
PROGRAM = PLANK + "def done(api):\n    return api.inventory()['plank'] >= 1\n"
CRITIQUE = {"planner_feedback": "fine", "coder_feedback": "", "replan": False}


def test_the_whole_task_is_one_code_sub_task_and_no_planner_is_asked(make_config, write_transcript):
    entries = [
        {"match": {"role": "coder", "subtask": "make_plank"}, "response": f"```python\n{PROGRAM}```"},
        {"match": {"role": "critic"}, "response": json.dumps(CRITIQUE)},
    ]
    transcript = write_transcript(entries)
    config = make_config(
        task="make_plank", planner="whole-task", transcript=transcript, evaluation={"episodes": 3}
    )
    loop = Loop.from_config(config, progress_bar=False)
    loop.run()
    events = loop.run_dir.read_events()
    roles = [e["tags"]["role"] for e in events if e["kind"] == "llm_call"]
    assert roles == ["coder", "critic"], "no planner request"
    plan = next(e for e in events if e["kind"] == "plan")["plan"]
    assert [(s["name"], s["method"], s["done_condition"]) for s in plan["subtasks"]] == [
        ("make_plank", "code", WHOLE_TASK_DONE)
    ]
    record = next(e for e in events if e["kind"] == "iteration_end")["record"]
    assert record["successes"] == 3
