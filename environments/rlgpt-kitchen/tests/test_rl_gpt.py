"""RL-GPT on the kitchen, offline: the reference transcript's programs, coded actions inside SAC's space."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from rlgpt import Actuator
from rlgpt.envs import CodedActions
from rlgpt_kitchen import KitchenSkills, make_env

ROOT = Path(__file__).resolve().parents[3]
CONFIG = ROOT / "examples" / "kitchen-microwave.toml"
TRANSCRIPT = ROOT / "examples" / "transcripts" / "kitchen.jsonl"


def reference_answer(subtask: str, method: str | None = None) -> str:
    """The transcript's coder answer for ``subtask`` (the pure-code one when ``method`` says so)."""
    for line in TRANSCRIPT.read_text().splitlines():
        if line.startswith("{"):
            entry = json.loads(line)
            match = entry["match"]
            if match.get("subtask") == subtask and match.get("method") == method:
                return entry["response"]
    raise LookupError(subtask)


def test_rlgpt_run_works_offline_from_the_transcript(tmp_path: Path) -> None:
    overrides = [
        f"runs_dir={json.dumps(str(tmp_path))}",
        "learner.total_timesteps=64",
        "learner.hyperparameters={learning_starts=16}",
        "evaluation.episodes=1",
        'task="light_switch"',
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "RLGPT_LOAD_PLUGINS": "kitchen,sb3"}
    command = [str(Path(sys.executable).with_name("rlgpt")), "run", str(CONFIG)]  # the installed command
    for item in overrides:
        command += ["--set", item]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    (run,) = tmp_path.iterdir()
    events = [json.loads(line) for line in (run / "events.jsonl").read_text().splitlines()]
    kinds = [event["kind"] for event in events]
    assert "code_rejected" not in kinds
    assert kinds.count("code_accepted") == 2 and "trained" in kinds and "evaluated" in kinds
    assert "replay of reference answers" in (run / "report.md").read_text()


def reference_functions(subtask: str, method: str | None = None) -> dict:
    """The functions of a reference answer (trusted code from this repository, run as it is)."""
    source = reference_answer(subtask, method).removeprefix("```python\n").removesuffix("```")
    namespace: dict = {}
    exec(compile(source, f"<{subtask}>", "exec"), namespace)
    return namespace


def test_a_coded_action_that_cannot_apply_says_so_and_takes_no_step() -> None:
    env = CodedActions(
        make_env(task="microwave"),
        KitchenSkills,
        {"pull_handle": reference_functions("open_microwave")["pull_handle"]},
    )
    assert env.action_space.shape == (4 + 2,)
    env.reset(seed=0)  # the gripper starts 0.49 m from the handle: within the macro's reach
    pull = np.array([0.0, 0.0, 0.0, 0.0, -1.0, 1.0], dtype=np.float32)
    _, _, _, _, info = env.step(pull)
    assert info["macro"] == "pull_handle" and info["macro_applied"] and info["macro_steps"] > 10
    for _ in range(30):  # drive the arm off to the right and back, out of the macro's reach (0.6 m)
        _, _, _, _, info = env.step(np.array([1.0, -1.0, 0.5, -1.0, 1.0, -1.0], dtype=np.float32))
        if np.linalg.norm(np.subtract(info["sites"]["microwave_handle"], info["ee_pos"])) > 0.65:
            break
    _, _, _, _, info = env.step(pull)
    assert info["macro_applied"] is False and info["macro_steps"] == 0
    env.close()


REACH = {
    "microwave": "reach_microwave_handle",
    "kettle": "reach_behind_kettle",
    "light_switch": "reach_light_switch",
    "slide_cabinet": "reach_slide_handle",
}
CONTACT = {
    "microwave": "open_microwave",
    "kettle": "push_kettle",
    "light_switch": "turn_on_light",
    "slide_cabinet": "open_slide_cabinet",
}


def run_reference(task: str, names: list[tuple[str, str | None]], seed: int = 3) -> KitchenSkills:
    """Call each reference program until its done condition holds (three calls at most), in order."""
    env = make_env(task=task)
    obs, info = env.reset(seed=seed)
    api = KitchenSkills(Actuator(env.step, obs, info, budget=env.max_episode_steps))
    for name, method in names:
        functions = reference_functions(name, method)
        for _ in range(3):
            if api.episode_over or functions["done"](api):
                break
            functions[name](api)
    env.close()
    return api


@pytest.mark.parametrize("task", list(REACH))
def test_reference_reach_programs_arrive_without_completing_the_task(task: str) -> None:
    api = run_reference(task, [(REACH[task], None)])
    assert reference_functions(REACH[task])["done"](api)
    assert not api.completed()


@pytest.mark.parametrize("task", ["microwave", "slide_cabinet"])
def test_reference_pure_code_opens_the_microwave_and_the_slide_cabinet(task: str) -> None:
    api = run_reference(task, [(REACH[task], None), (CONTACT[task], "pure-code")])
    assert api.task_done()
