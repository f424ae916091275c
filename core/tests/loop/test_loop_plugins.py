"""The loop with nothing but the core and a test plugin: a method and an agent structure of a
user's own, the console and plugins as observers of the same events, learners and LLMs closed."""

from __future__ import annotations

import io
import json
import os
import sys
from pathlib import Path

import pytest
from rich.console import Console
from rlgpt.config import RunConfig
from rlgpt.loop import Loop
from rlgpt.plugins import PluginSelection

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))  # the plugin module, also for the env built in child processes

import loop_fakes  # noqa: E402

PLAN = {
    "rationale": "Walking right is easy to write.",
    "subtasks": [{"name": "walk", "description": "Walk to the last cell.", "method": "code",
                  "done_condition": "at the last cell"}],
}  # fmt: skip
CODE = "```python\ndef walk(api):\n    api.right()\n\n\ndef done(api):\n    return api.position() == 4\n```"
CRITIQUE = {"verdicts": [{"subtask": "walk", "verdict": "ok", "reason": "reaches the end"}]}


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch):
    """The core's built-ins plus ``loop_fakes``; no installed plugin."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")])))
    loop_fakes.EVENTS.clear()
    loop_fakes.CLOSED.clear()
    registry = PluginSelection(autoload=False).with_plugins("loop_fakes").registry()
    assert not registry.errors and set(registry.environments) == {"line"}
    return registry


def run(registry, tmp_path: Path, console: Console | None = None, **overrides) -> Loop:
    transcript = tmp_path / "transcript.jsonl"
    entries = [
        {"match": {"role": "planner"}, "response": json.dumps(PLAN)},
        {"match": {"role": "planner", "agents": "solo+critic"},
         "response": json.dumps({"plan": PLAN, "code": {"walk": CODE}})},
        {"match": {"role": "coder"}, "response": CODE},
        {"match": {"role": "critic"}, "response": json.dumps(CRITIQUE)},
    ]  # fmt: skip
    transcript.write_text("".join(json.dumps(e) + "\n" for e in entries))
    data = {
        "env": "line",
        "task": "reach_end",
        "runs_dir": str(tmp_path / "runs"),
        "max_iterations": 1,
        "llm": {"backend": "closing-replay", "options": {"transcript": str(transcript)}},
        "learner": {"name": "fixed", "total_timesteps": 40},
        "evaluation": {"episodes": 3},
        "code": {"dry_run_timeout_s": 10, "call_timeout_s": 1.0},
        **overrides,
    }
    loop = Loop.from_config(RunConfig.model_validate(data), registry, console=console, progress_bar=False)
    loop.run()
    return loop


def kinds(loop: Loop, kind: str) -> list[dict]:
    return [e for e in loop.run_dir.read_events() if e["kind"] == kind]


def test_a_method_of_a_users_own_decides_what_is_trained(registry, tmp_path: Path) -> None:
    loop = run(registry, tmp_path, method="all-rl", agents="slow+fast")
    (record,) = (e["record"] for e in kinds(loop, "iteration_end"))
    assert [s["method"] for s in record["plan"]["subtasks"]] == ["rl"]
    assert [e["subtask"] for e in kinds(loop, "trained")] == ["walk"]
    assert record["successes"] == 3 and record["env_steps"]["train"] == 40
    assert loop_fakes.CLOSED == ["learner:1", "llm"]  # the learner after training, the LLM at the end


def test_the_learner_decides_the_outcome(registry, tmp_path: Path) -> None:
    learner = {"name": "fixed", "total_timesteps": 40, "hyperparameters": {"action": 0}}
    loop = run(registry, tmp_path, method="pure-rl", learner=learner)
    (record,) = (e["record"] for e in kinds(loop, "iteration_end"))
    assert record["successes"] == 0 and record["llm"]["calls"] == 0 and kinds(loop, "llm_call") == []
    assert record["fingerprint"] == ""  # no agents chose anything, so nothing can repeat
    assert loop_fakes.CLOSED == ["learner:0"]  # no LLM was opened


def test_console_and_plugins_observe_the_same_events(registry, tmp_path: Path) -> None:
    out = io.StringIO()
    loop = run(registry, tmp_path, Console(file=out, width=200), method="pure-code", agents="slow+fast")
    assert [e["kind"] for e in loop_fakes.EVENTS] == [
        "run_start", "iteration_start", "planning", "llm_call", "plan", "coding", "llm_call",
        "code_accepted", "evaluating", "evaluated", "iteration_end", "run_end",
    ]  # fmt: skip
    assert list(loop.run_dir.read_events()) == loop_fakes.EVENTS
    printed = out.getvalue()
    assert "planner decomposing the task" in printed and "coder writing walk (code)" in printed
    assert "iteration 0: success 1.00" in printed


def test_an_agent_structure_of_a_users_own(registry, tmp_path: Path) -> None:
    loop = run(registry, tmp_path, agents="solo+critic")
    assert [c["tags"]["role"] for c in kinds(loop, "llm_call")] == ["planner", "critic"]
    assert kinds(loop, "critique")[0]["critique"]["verdicts"][0]["verdict"] == "ok"
    assert kinds(loop, "run_end")[0]["summary"]["status"] == "target_reached"


def test_an_environment_without_rgb_frames_runs_without_them(registry, tmp_path: Path) -> None:
    learner = {"name": "fixed", "total_timesteps": 40, "hyperparameters": {"action": 0}}
    loop = run(registry, tmp_path, method="all-rl", learner=learner)
    (record,) = (e["record"] for e in kinds(loop, "iteration_end"))
    assert record["successes"] == 0 and kinds(loop, "frames") == []  # walk failed; the line renders nothing
    assert not (loop.run_dir.path / "frames").exists()
    (call,) = kinds(loop, "llm_call")[-1:]
    assert call["tags"]["role"] == "critic"
    message = json.loads((loop.run_dir.path / call["file"]).read_text())["messages"][-1]
    assert message["images"] == 0 and "Attached" not in message["content"]
