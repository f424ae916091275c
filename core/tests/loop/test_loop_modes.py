"""Ablations through the same Loop: pure-rl, pure-code, one-agent, slow+fast; and resume after a crash."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

from rlgpt.loop import Loop
from rlgpt.runs import RunDirectory


def records(loop):
    return [e["record"] for e in loop.run_dir.read_events() if e["kind"] == "iteration_end"]


def llm_calls(loop):
    return [e for e in loop.run_dir.read_events() if e["kind"] == "llm_call"]


def test_pure_rl_trains_on_primitives_without_any_llm(make_config):
    config = make_config(method="pure-rl", task="collect_wood", learner={"total_timesteps": 1024})
    loop = Loop.from_config(config, progress_bar=False)
    loop.run()
    (record,) = records(loop)
    assert llm_calls(loop) == [] and record["llm"]["calls"] == 0
    assert record["plan"]["subtasks"][0]["method"] == "rl"
    assert 1024 <= record["env_steps"]["train"] < 2048 and record["episodes"] == 10


def test_pure_code_turns_every_subtask_into_code(make_config):
    loop = Loop.from_config(make_config(method="pure-code"), progress_bar=False)
    assert loop.run().status == "target_reached"
    (record,) = records(loop)
    assert [s["method"] for s in record["plan"]["subtasks"]] == ["code", "code"]
    assert record["env_steps"]["train"] == 0


def test_slow_fast_without_critic_makes_no_critic_call(make_config):
    loop = Loop.from_config(make_config(agents="slow+fast"), progress_bar=False)
    loop.run()
    assert {c["tags"]["role"] for c in llm_calls(loop)} == {"planner", "coder"}
    assert records(loop)[0]["critique"] is None


def test_one_agent_plans_and_codes_in_one_answer(make_config, reference_entries, write_transcript):
    code = {
        e["match"]["subtask"]: e["response"]
        for e in reference_entries
        if set(e["match"]) == {"role", "subtask"}
    }
    plan = json.loads(next(e for e in reference_entries if e["match"]["role"] == "planner")["response"])
    entry = {
        "match": {"role": "planner", "agents": "one-agent"},
        "response": json.dumps({"plan": plan, "code": code}),
    }
    loop = Loop.from_config(make_config(write_transcript([entry]), agents="one-agent"), progress_bar=False)
    assert loop.run().status == "target_reached"
    calls = llm_calls(loop)
    assert [c["tags"]["role"] for c in calls] == ["planner"]  # one answer held the plan and all code


KILLER = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from rlgpt import AgentSpec
    from rlgpt.agents.builtin import DefaultCoder
    from rlgpt.config import RunConfig
    from rlgpt.loop import Loop
    from rlgpt.plugins import get_registry

    class KillingCoder(DefaultCoder):
        def write(self, request, tags):
            marker = Path(os.environ["KILL_MARKER"])
            if tags["iteration"] == "1" and not marker.exists():
                marker.write_text("killed")
                os._exit(9)  # dies like a crash, mid-iteration: no clean-up, no run_end
            return super().write(request, tags)

    registry = get_registry()
    registry.coders["killer"] = AgentSpec("killer", KillingCoder, "dies in iteration 1")
    if sys.argv[1] == "new":
        config = RunConfig.model_validate_json(Path(sys.argv[2]).read_text())
        Loop.from_config(config, registry, progress_bar=False).run()
    else:
        Loop.resume(Path(sys.argv[2]), registry, progress_bar=False).run()
    """
)


def test_killed_mid_run_resumes_without_rerunning_or_resending(tmp_path, make_config):
    config = make_config(
        agents="slow+fast", method="pure-code", max_iterations=2, task="make_plank", coder="killer"
    )
    transcript = tmp_path / "plank.jsonl"
    plan = {
        "subtasks": [
            {
                "name": "get_plank",
                "description": "chop, craft",
                "method": "code",
                "done_condition": "one plank",
            }
        ]
    }
    code = """```python
def get_plank(api):
    return False


def done(api):
    return api.inventory()["plank"] >= 1
```"""
    transcript.write_text(
        json.dumps({"match": {"role": "planner"}, "response": json.dumps(plan)})
        + "\n"
        + json.dumps({"match": {"role": "coder"}, "response": code})
        + "\n"
    )
    config = config.model_copy(
        update={"llm": config.llm.model_copy(update={"options": {"transcript": str(transcript)}})}
    )
    (tmp_path / "config.json").write_text(config.model_dump_json())
    script = tmp_path / "killer.py"
    script.write_text(KILLER)
    env = {**os.environ, "KILL_MARKER": str(tmp_path / "killed")}
    first = subprocess.run(
        [sys.executable, str(script), "new", str(tmp_path / "config.json")],
        env=env,
        capture_output=True,
        text=True,
    )
    assert first.returncode == 9, first.stderr
    (run_path,) = (tmp_path / "runs").iterdir()
    second = subprocess.run(
        [sys.executable, str(script), "resume", str(run_path)], env=env, capture_output=True, text=True
    )
    assert second.returncode == 0, second.stderr
    log = [e for e in RunDirectory.open(run_path).read_events()]
    done = [e["record"] for e in log if e["kind"] == "iteration_end"]
    assert [r["iteration"] for r in done] == [0, 1]  # iteration 0 was not run again
    assert [e["resumed_after"] for e in log if e["kind"] == "run_start"] == [0, 1]
    calls = [(e["tags"]["iteration"], e["tags"]["role"], e["cached"]) for e in log if e["kind"] == "llm_call"]
    # iteration 1's planner request went out before the crash; after resuming it is answered from
    # the run's own record of it (not sent again, whatever the cache setting)
    assert calls == [
        ("0", "planner", False),
        ("0", "coder", False),
        ("1", "planner", False),
        ("1", "planner", True),
        ("1", "coder", False),
    ]
    assert [e["replayed"] for e in log if e["kind"] == "llm_call"] == [False, False, False, True, False]
