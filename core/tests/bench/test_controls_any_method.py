"""Controls and the analysis beyond Crafter's discrete actions and built-in methods: a continuous
environment (reach, SAC), a method a plugin registers, and trials the controls cannot handle."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
from rich.console import Console
from rlgpt.bench.analysis import ANALYSIS_FILE, write_analysis
from rlgpt.bench.controls import final_policy_steps, load_controls, main, run_controls, unsupported
from rlgpt.bench.matrix import NO_LLM, Trial
from rlgpt.bench.trial import FINISHED, base_result, run_trial, write_json
from rlgpt.config import RunConfig
from rlgpt.envs.fixed_rules import BoxMacro
from rlgpt.loop import Loop
from rlgpt.plugins import PluginSelection

LOOP_TESTS = Path(__file__).parents[1] / "loop"
sys.path.insert(0, str(LOOP_TESTS))  # the shared reach plan; loop_fakes, the plugin module below

from reach_plan import REACH_PLAN  # noqa: E402

REACH_CODE = """```python
def head_to_target(api, params):
    for _ in range(30):
        if api.distance() <= 0.4 or api.episode_over:
            return True
        dx, dy = api.target_offset()
        norm = max(abs(dx), abs(dy), 1e-6)
        api.push(dx / norm, dy / norm)
    return True


def done(api):
    return api.distance() <= 0.5
```"""
LINE_PLAN = {
    "rationale": "Walking right is easy to write.",
    "subtasks": [
        {
            "name": "walk",
            "description": "Walk to the last cell.",
            "method": "code",
            "done_condition": "at the end",
        }
    ],
}
LINE_CODE = (
    "```python\ndef walk(api):\n    api.right()\n\n\ndef done(api):\n    return api.position() == 4\n```"
)


def _transcript(path: Path, plan: dict, code: str) -> Path:
    entries = [
        {"match": {"role": "planner"}, "response": json.dumps(plan)},
        {"match": {"role": "coder"}, "response": code},
        {"match": {"role": "critic"}, "response": json.dumps({"planner_feedback": "ok"})},
    ]
    path.write_text("".join(json.dumps(entry) + "\n" for entry in entries))
    return path


def _config(tmp_path: Path, name: str, **values) -> RunConfig:
    data = {
        "name": name,
        "runs_dir": str(tmp_path / "out" / "runs"),
        "max_iterations": 1,
        "evaluation": {"episodes": 3},
        "code": {"dry_run_timeout_s": 10, "call_timeout_s": 1.0},
        **values,
    }
    return RunConfig.model_validate(data)


def test_a_continuous_env_gets_uniform_midpoint_and_per_coded_action_controls(tmp_path) -> None:
    out = tmp_path / "out"
    transcript = _transcript(tmp_path / "reach.jsonl", REACH_PLAN, REACH_CODE)
    config = _config(
        tmp_path,
        "reach_target-rl-gpt-s0",
        env="reach",
        task="reach_target",
        llm={"backend": "replay", "model": "reference", "options": {"transcript": str(transcript)}},
        learner={"name": "sac", "total_timesteps": 150, "hyperparameters": {"learning_starts": 100}},
    )
    result = run_trial(Trial(id=config.name, config=config, llm="replay"), console=Console(quiet=True))
    assert result["status"] == FINISHED, result["error"]
    write_json(out / "trials" / f"{result['id']}.json", result)

    assert main([str(out)]) == 0
    controls = load_controls(out)[result["id"]]
    assert controls["reproduces_loop"] and controls["final_policy_steps"] >= 150
    assert set(controls["policies"]) == {
        "trained",
        "trained_stochastic",
        "random",
        "always:midpoint",
        "always:head_to_target",
        "always:head_to_target@random",
    }
    assert all(len(p["success"]) == 3 for p in controls["policies"].values())
    # the coded action alone walks to the target from any parameters: the control that matches a policy
    # which learned nothing but "pick the macro"
    assert controls["policies"]["always:head_to_target"]["success"] == [1, 1, 1]
    assert controls["policies"]["always:head_to_target@random"]["success"] == [1, 1, 1]
    # every step's choice is counted: the macro control only ever picks its coded action, the midpoint
    # (all selectors equal) the primitive
    assert set(controls["policies"]["always:head_to_target"]["choices"]["reach"]) == {"head_to_target"}
    assert set(controls["policies"]["always:midpoint"]["choices"]["reach"]) == {"primitive"}
    trained = controls["policies"]["trained"]["choices"]["reach"]
    assert set(trained) <= {"primitive", "head_to_target"} and sum(trained.values()) >= 3
    text = (out / ANALYSIS_FILE).read_text()
    assert "RL adds (rl-gpt)" in text and "| always midpoint |" in text and "**RL adds**" in text
    assert "What the trained policy chose, over every step of every evaluation episode: determin" in text
    assert "| always head_to_target, random parameters |" in text


def test_a_continuous_macro_control_selects_its_coded_action_with_centre_or_random_parameters() -> None:
    space = gym.spaces.Box(-1.0, 1.0, (2 + 1 + 2,), dtype=np.float32)  # 2 params, primitive + 2 macros
    centre = BoxMacro(space, macros=2, macro=1, rng=None)(None)
    assert centre[:2].tolist() == [0.0, 0.0] and int(np.argmax(centre[2:])) == 2
    drawn = [BoxMacro(space, 2, 0, np.random.default_rng(seed))(None) for seed in range(5)]
    assert all(int(np.argmax(action[2:])) == 1 for action in drawn)
    assert len({tuple(action[:2].round(6)) for action in drawn}) == 5  # parameters differ per draw


def test_a_plugins_method_has_controls_and_a_broken_trial_is_skipped(tmp_path, monkeypatch) -> None:
    monkeypatch.syspath_prepend(str(LOOP_TESTS))  # loop_fakes registers the method all-rl and the env line
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [str(LOOP_TESTS), os.environ.get("PYTHONPATH")]))
    )
    registry = PluginSelection(autoload=False).with_plugins("loop_fakes").registry()
    out = tmp_path / "out"
    transcript = _transcript(tmp_path / "line.jsonl", LINE_PLAN, LINE_CODE)
    for seed in (0, 1):
        config = _config(
            tmp_path,
            f"reach_end-all-rl-s{seed}",
            env="line",
            task="reach_end",
            method="all-rl",
            agents="slow+fast",
            seed=seed,
            llm={"backend": "closing-replay", "options": {"transcript": str(transcript)}},
            learner={"name": "fixed", "total_timesteps": 40},
        )
        trial = Trial(id=config.name, config=config, llm="closing-replay")
        loop = Loop.from_config(config, registry, console=Console(quiet=True), progress_bar=False)
        summary = loop.run()
        records = [e["record"] for e in loop.run_dir.read_events().of_kind("iteration_end")]
        result = {**base_result(trial), "status": FINISHED, "finished_at": f"2026-01-01T00:00:0{seed}+00:00"}
        write_json(
            out / "trials" / f"{trial.id}.json", {**result, "summary": summary.to_dict(), "records": records}
        )
    broken = json.loads((out / "trials" / "reach_end-all-rl-s1.json").read_text())
    write_json(
        out / "trials" / "zz-broken.json", {**broken, "id": "zz-broken", "run_dir": str(tmp_path / "gone")}
    )

    lines: list[str] = []
    assert run_controls(out, log=lines.append, registry=registry) == 2
    (skipped,) = [line for line in lines if "skipped" in line]
    assert skipped.startswith("controls: zz-broken skipped: ") and "\n" not in skipped
    controls = load_controls(out)["reach_end-all-rl-s0"]
    assert controls["reproduces_loop"] and set(controls["policies"]) == {
        "trained",
        "trained_stochastic",
        "random",
    }

    text = write_analysis(out).read_text()  # all-rl is unknown to the installed plugins: read from the trials
    assert "| task | all-rl | RL adds (all-rl) |" in text and "all-rl's plan and programs" in text
    assert "| all-rl | 3 | " in text and " | 40 | " in text, "the broken copy is a trial without controls"


def test_final_policy_steps_follow_the_method_or_else_the_trials_records() -> None:
    plan = {"subtasks": [{"name": "task", "method": "rl"}]}
    records = [{"plan": plan, "env_steps": {"train": 100}}] * 2

    def steps(method: str, llm: str) -> int:
        return final_policy_steps({"method": method, "llm": llm, "records": records})

    assert steps("pure-rl", NO_LLM) == 200 and steps("rl-gpt", NO_LLM) == 100, (
        "registered: as the method says"
    )
    assert steps("my-rl", NO_LLM) == 200, "unregistered, no LLM and one plan: one learner carried on"
    assert steps("my-rl", "replay") == 100, "plans an LLM wrote are trained anew"


@pytest.mark.parametrize(
    ("space", "handled"),
    [
        (gym.spaces.Discrete(3), True),
        (gym.spaces.Box(-1.0, 1.0, (4,)), True),
        (gym.spaces.Box(-np.inf, np.inf, (2,)), False),
        (gym.spaces.MultiDiscrete([2, 3]), False),
    ],
)
def test_a_space_without_untrained_controls_is_named_in_one_line(space, handled) -> None:
    reason = unsupported(space)
    assert (reason is None) == handled
    assert handled or (str(space) in reason and "\n" not in reason)
