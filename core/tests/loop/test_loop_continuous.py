"""Continuous actions: SAC learns a sub-task whose action space holds a parameterised coded action."""

from __future__ import annotations

import json

from reach_plan import REACH_PLAN
from rlgpt.loop import Loop

CODE = """```python
def head_to_target(api, params):
    speed = 0.5 + 0.5 * abs(params[0])
    for _ in range(30):
        if api.distance() <= 0.4 or api.episode_over:
            return True
        dx, dy = api.target_offset()
        norm = max(abs(dx), abs(dy), 1e-6)
        api.push(speed * dx / norm, speed * dy / norm)
    return True


def done(api):
    return api.distance() <= 0.5
```"""


def test_sac_trains_with_a_parameterised_coded_action(make_config, write_transcript):
    transcript = write_transcript(
        [
            {"match": {"role": "planner"}, "response": json.dumps(REACH_PLAN)},
            {"match": {"role": "coder"}, "response": CODE},
            {"match": {"role": "critic"}, "response": json.dumps({"planner_feedback": "ok"})},
        ]
    )
    config = make_config(
        transcript,
        env="reach",
        task="reach_target",
        learner={
            "name": "sac",
            "total_timesteps": 3000,
            "hyperparameters": {"learning_starts": 100, "gamma": 0.9, "ent_coef": 0.02},
        },
    )
    loop = Loop.from_config(config, progress_bar=False)
    loop.run()
    (record,) = [e["record"] for e in loop.run_dir.read_events() if e["kind"] == "iteration_end"]
    assert record["code_rejections"] == {}  # the parameterised action passed its dry run with probe params
    assert record["env_steps"]["train"] >= 3000
    assert record["success_rate"] >= 0.5, record["summary"]
