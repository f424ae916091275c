"""Execution-verified sampling and execution traces in the loop: of several sampled programs the one
whose dry run reaches the sub-task's done condition is kept, and a rejected program's fix request and
the critic's request show what the program did in its dry run."""

from __future__ import annotations

import json

import pytest
from rlgpt.coding import SampledLLM
from rlgpt.llm import Completion, Message, Request, SamplingParams, Usage
from rlgpt.loop import Loop

WOOD_PLAN = {
    "subtasks": [
        {"name": "get_wood", "description": "Chop two wood.", "method": "code", "done_condition": "2 wood"}
    ]
}
DONE = "\n\ndef done(api):\n    return api.inventory()['wood'] >= 2\n"
WALK = (
    "def walk_to_tree(api):\n"
    "    while not api.next_to_tree() and not api.episode_over:\n"
    "        dx, dy = api.tree_offset()\n"
    "        if abs(dx) > 1 or (abs(dx) == 1 and dy != 0):\n"
    "            api.move('right' if dx > 0 else 'left')\n"
    "        else:\n"
    "            api.move('down' if dy > 0 else 'up')\n\n\n"
)
CHOPS = "def get_wood(api):\n    walk_to_tree(api)\n    api.chop()\n    return True\n\n\n" + WALK
"""Reaches the done condition on its second call: one wood per call."""
ONLY_WALKS = "def get_wood(api):\n    walk_to_tree(api)\n    return False\n\n\n" + WALK
"""Never chops: its calls stop taking steps once at the tree."""
WANDERS = "def get_wood(api):\n    api.move('left')\n    return False\n"
"""Steps away from the tree, call after call."""


def fenced(source: str) -> str:
    return f"```python\n{source}{DONE}```"


def entries(coder: list[dict]) -> list[dict]:
    critique = {"planner_feedback": "fine", "coder_feedback": "", "replan": False}
    return [
        {"match": {"role": "planner"}, "response": json.dumps(WOOD_PLAN)},
        {"match": {"role": "critic"}, "response": json.dumps(critique)},
        *coder,
    ]


def requests(loop: Loop, role: str) -> list[dict]:
    """The requests of ``role`` as sent (tags, params, messages), in order."""
    calls = [e for e in loop.run_dir.read_events() if e["kind"] == "llm_call" and e["tags"]["role"] == role]
    return [json.loads((loop.run_dir.path / call["file"]).read_text()) for call in calls]


def run(make_config, transcript, **overrides) -> Loop:
    code = {
        "dry_run_timeout_s": 10,
        "call_timeout_s": 1.0,
        "macro_step_budget": 20,
        **overrides.pop("code", {}),
    }
    config = make_config(
        method="pure-code", transcript=transcript, evaluation={"episodes": 2}, code=code, **overrides
    )
    loop = Loop.from_config(config, progress_bar=False)
    loop.run()
    return loop


@pytest.mark.parametrize("position", [0, 2])
def test_the_sample_that_reaches_the_done_condition_is_kept_wherever_it_is(
    position, make_config, write_transcript
):
    programs = [ONLY_WALKS, WANDERS]
    programs.insert(position, CHOPS)
    coder = [
        {"match": {"role": "coder", "subtask": "get_wood", "sample": index}, "response": fenced(source)}
        for index, source in enumerate(programs)
    ]
    loop = run(make_config, write_transcript(entries(coder)), code={"samples": 3})

    assert (loop.run_dir.path / "code/iter-0/get_wood.py").read_text().startswith(CHOPS.split("\n")[0])
    events = loop.run_dir.read_events()
    sampled = next(e for e in events if e["kind"] == "code_samples")
    assert sampled["kept"] == position
    by_index = {s["sample"]: s for s in sampled["samples"]}
    assert [by_index[i]["reached"] for i in range(3)] == [int(i == position) for i in range(3)]
    assert all(s["accepted"] for s in sampled["samples"]), "the others pass their dry run but do not reach"
    assert [by_index[i]["seed"] for i in range(3)] == [None, 1, 2]  # the run's seed is 0
    assert [by_index[i]["temperature"] for i in range(3)] == [0.0, 0.7, 0.7]

    sent = requests(loop, "coder")
    assert [r["tags"]["sample"] for r in sent] == ["0", "1", "2"]
    accepted = next(e for e in events if e["kind"] == "code_accepted")
    assert accepted["sample"] == position and accepted["tokens"] > 0 and accepted["seconds"] > 0
    record = next(e for e in events if e["kind"] == "iteration_end")["record"]
    assert record["program_costs"]["get_wood"]["tokens"] == accepted["tokens"]
    assert record["subtask_success"]["get_wood"] == 1.0
    report = (loop.run_dir.path / "report.md").read_text()
    assert f"program written with {accepted['tokens']:,} tokens in" in report


def test_samples_with_the_same_answer_are_dry_run_and_counted_once(make_config, write_transcript):
    broken = "def get_wood(api):\n    return {}['wood']\n"
    coder = [
        {"match": {"role": "coder", "subtask": "get_wood", "attempt": 0}, "response": fenced(broken)},
        {"match": {"role": "coder", "subtask": "get_wood", "attempt": 1}, "response": fenced(CHOPS)},
    ]
    loop = run(make_config, write_transcript(entries(coder)), code={"samples": 3})
    events = loop.run_dir.read_events()
    assert [(e["attempt"], e.get("sample")) for e in events if e["kind"] == "code_rejected"] == [(0, 0)]
    sampled = next(e for e in events if e["kind"] == "code_samples")
    assert [s["reason"] for s in sampled["samples"]] == ["runtime_error"] * 3 and sampled["kept"] == 0
    record = next(e for e in events if e["kind"] == "iteration_end")["record"]
    assert record["code_rejections"] == {"runtime_error": 1}
    assert len(requests(loop, "coder")) == 4, "three samples and one fix"


def test_without_sampling_the_coder_is_asked_once_and_untagged(make_config, write_transcript):
    coder = [{"match": {"role": "coder", "subtask": "get_wood"}, "response": fenced(CHOPS)}]
    loop = run(make_config, write_transcript(entries(coder)))
    sent = requests(loop, "coder")
    assert len(sent) == 1 and "sample" not in sent[0]["tags"]
    assert not [e for e in loop.run_dir.read_events() if e["kind"] == "code_samples"]


def test_a_fix_request_shows_the_program_and_what_it_did_in_its_dry_run(make_config, write_transcript):
    broken = "def get_wood(api):\n    walk_to_tree(api)\n    api.chop()\n    return {}['wood']\n\n\n" + WALK
    coder = [
        {"match": {"role": "coder", "subtask": "get_wood", "attempt": 0}, "response": fenced(broken)},
        {"match": {"role": "coder", "subtask": "get_wood", "attempt": 1}, "response": fenced(CHOPS)},
    ]
    loop = run(make_config, write_transcript(entries(coder)))
    fix = requests(loop, "coder")[1]
    assert fix["tags"]["attempt"] == "1"
    asked = fix["messages"][-1]["content"]
    assert "return {}['wood']" in asked.split("It was rejected:")[0], "the rejected program is shown"
    trace = asked.split("What the program did in its dry run:\n")[1]
    assert "api.next_to_tree() -> False" in trace
    assert "api.chop() -> None" in trace
    assert "state before: position" in trace and "inventory wood=1" in trace
    assert "stopped: rejected (runtime_error) at line 4" in trace


def test_the_critic_reads_the_dry_run_of_a_failing_sub_task(make_config, write_transcript):
    coder = [{"match": {"role": "coder", "subtask": "get_wood"}, "response": fenced(ONLY_WALKS)}]
    loop = run(make_config, write_transcript(entries(coder)))
    critic = requests(loop, "critic")[0]["messages"][-1]["content"]
    assert "What the program of each failing sub-task did in its dry run" in critic
    traced = critic.split("- get_wood:\n")[1]
    assert "api.tree_offset() ->" in traced
    assert "stopped: done(api) did not hold after 1 call(s) (at most 1)" in traced


def test_without_traces_the_fix_request_and_the_critic_show_none(make_config, write_transcript):
    broken = "def get_wood(api):\n    walk_to_tree(api)\n    api.chop()\n    return {}['wood']\n\n\n" + WALK
    coder = [
        {"match": {"role": "coder", "subtask": "get_wood", "attempt": 0}, "response": fenced(broken)},
        {"match": {"role": "coder", "subtask": "get_wood", "attempt": 1}, "response": fenced(ONLY_WALKS)},
    ]
    loop = run(make_config, write_transcript(entries(coder)), code={"traces": False})
    fix = requests(loop, "coder")[1]["messages"][-1]["content"]
    assert "return {}['wood']" in fix and "What the program did" not in fix
    critic = requests(loop, "critic")[0]["messages"][-1]["content"]
    assert "did in its dry run" not in critic


class Keeps:
    """An LLM that answers "ok" and keeps the requests it was sent."""

    backend, model, supports_images = "keeps", "keeps", False

    def __init__(self) -> None:
        self.requests: list[Request] = []

    def complete(self, request: Request) -> Completion:
        self.requests.append(request)
        return Completion("ok", Usage(1, 1), 0.0, self.model, self.backend)


def test_samples_past_the_first_are_asked_warmer_each_with_its_own_seed():
    inner = Keeps()
    llm = SampledLLM(inner, temperature=0.7, run_seed=3)
    greedy = SamplingParams(temperature=0.0, max_tokens=64)
    for tags in ({"role": "coder"}, {"role": "coder", "sample": "0"}, {"role": "coder", "sample": "2"}):
        llm.complete(Request((Message("user", "write"),), greedy, tags))
    llm.complete(Request((Message("user", "write"),), SamplingParams(temperature=0.9), {"sample": "1"}))
    sent = [(r.params.temperature, r.params.seed) for r in inner.requests]
    assert sent == [(0.0, None), (0.0, None), (0.7, 3002), (0.9, 3001)]
    assert inner.requests[2].params.max_tokens == 64 and inner.requests[2].tags["sample"] == "2"
