"""Fuzz: generated replies through every role, generated programs through every phase.

Replies: random bytes (decoded with ``surrogateescape``), lone surrogates, a huge invalid plan,
deeply nested JSON, truncated JSON, nested fences. Programs: code that behaves on its first call
and then loops in C, recurses without end, raises huge errors full of surrogates, returns a huge
value, or hogs memory, in the dry run, in training and in evaluation. Whatever comes in, a run
ends without a traceback, every message it stores is bounded, the failure is counted, and the run
directory reads back (``rlgpt report`` works).
"""

from __future__ import annotations

import json
import random

import pytest
from gridcraft_plans import CODE_PLAN, RL_PLAN
from rlgpt.cli import main
from rlgpt.loop import Loop
from rlgpt.runs import RunDirectory
from rlgpt.textbound import MAX_MESSAGE_CHARS

EVENT_STRING_LIMIT = 4 * MAX_MESSAGE_CHARS


def fuzz_replies(seed: int) -> list[str]:
    """One reply of each kind, seeded."""
    rng = random.Random(seed)
    valid = json.dumps(CODE_PLAN)
    huge_plan = {"subtasks": [{"name": f"s{i}", "method": "teleport"} for i in range(4000)]}
    return [
        rng.randbytes(400).decode("utf-8", "surrogateescape"),
        '{"subtasks": [{"name": "\udcff\udc80", "description": "\ud800", "method": "code"}]}',
        json.dumps(huge_plan),
        "[" * 5000 + "]" * 5000,
        '{"a": ' * 3000 + "1" + "}" * 3000,
        valid[: len(valid) // 2],
        "```json\n```python\n" + valid + "\n```\n```\n" + "\udcff" * 100,
        "",
    ]


def misbehaving_program(name: str, job: str) -> str:
    """``name`` does ``job`` on its first call, then misbehaves differently on each later call."""
    return f"""```python
def {name}(api, calls=[0]):
    calls[0] += 1
    n = calls[0] % 6
    if n == 1:
{job}
        return True
    if n == 2:
        return sum(range(10**12))
    if n == 3:
        return {name}(api, calls)
    if n == 4:
        raise KeyError("\\udcff" * 50 + "x" * 100000)
    if n == 5:
        return [calls] * 10**6
    chunks = []
    while True:
        chunks.append(bytearray(10**7))


def done(api, calls=[0]):
    calls[0] += 1
    if calls[0] % 50 == 0:
        raise ValueError("done exploded " * 10000)
    return api.inventory()["house"] >= 1
```"""


GET_WOOD_JOB = """        while api.inventory()["wood"] < 2 and not api.episode_over:
            dx, dy = api.tree_offset()
            if abs(dx) + abs(dy) == 1:
                api.chop()
            elif abs(dx) > 0:
                api.move("right" if dx > 0 else "left")
            else:
                api.move("down" if dy > 0 else "up")"""
CRAFT_JOB = """        while api.inventory()["wood"] > 0 and not api.episode_over:
            api.craft_plank()"""


def check_run(run_dir: RunDirectory, capsys) -> list[dict]:
    """The run directory reads back, its strings are bounded, and ``rlgpt report`` works."""
    log = RunDirectory.open(run_dir.path).read_events()
    assert log.truncated_tail is None and not log.duplicate_seqs
    assert log.last("run_end") is not None

    def strings(value):
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for item in value.values():
                yield from strings(item)
        elif isinstance(value, list):
            for item in value:
                yield from strings(item)

    longest = max((len(s) for event in log for s in strings(event)), default=0)
    assert longest <= EVENT_STRING_LIMIT, longest
    capsys.readouterr()
    assert main(["report", str(run_dir.path)]) == 0
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    report = (run_dir.path / "report.md").read_text(encoding="utf-8")
    assert len(report) < 100_000
    return [e["record"] for e in log.of_kind("iteration_end")]


def fuzz_entries(role: str, replies: list[str], per: str) -> list[dict]:
    """Replay entries giving ``role`` reply ``i`` at iteration (or attempt) ``i``."""
    return [{"match": {"role": role, per: str(i)}, "response": reply} for i, reply in enumerate(replies)]


def run(make_config, write_transcript, entries, **overrides) -> Loop:
    config = make_config(transcript=write_transcript(entries), **overrides)
    loop = Loop.from_config(config, progress_bar=False)
    loop.run()  # no exception: nothing the replies or programs do reaches the caller
    return loop


@pytest.mark.parametrize("seed", [0])
def test_fuzzed_planner_replies_are_counted_and_bounded(seed, make_config, write_transcript, capsys):
    replies = fuzz_replies(seed)
    loop = run(
        make_config,
        write_transcript,
        fuzz_entries("planner", replies, "iteration"),
        method="pure-code",
        max_iterations=len(replies),
        dead_loop_patience=len(replies),
    )
    records = check_run(loop.run_dir, capsys)
    assert len(records) == len(replies)
    assert all(r["malformed_answers"].get("planner", 0) >= 1 for r in records)
    for sent in (loop.run_dir.path / "llm").glob("*.json"):  # nothing huge goes back into a prompt
        messages = json.loads(sent.read_text(encoding="utf-8"))["messages"]
        assert all(len(m["content"]) <= 20_000 for m in messages[1:]), sent.name


def test_fuzzed_coder_replies_are_rejections_not_crashes(
    make_config, write_transcript, reference_entries, capsys
):
    replies = fuzz_replies(1)
    entries = [
        {"match": {"role": "planner"}, "response": json.dumps(CODE_PLAN)},
        *fuzz_entries("coder", replies, "attempt"),
        {"match": {"role": "critic"}, "response": '{"planner_feedback": "ok", "replan": false}'},
    ]
    loop = run(
        make_config,
        write_transcript,
        entries + reference_entries,
        method="pure-code",
        max_fixes=len(replies) - 1,
    )
    (record,) = check_run(loop.run_dir, capsys)
    assert sum(record["code_rejections"].values()) >= len(replies)


def test_fuzzed_critic_replies_are_counted(make_config, write_transcript, reference_entries, capsys):
    replies = fuzz_replies(2)[:4]
    entries = [
        {"match": {"role": "planner"}, "response": json.dumps(CODE_PLAN)},
        {
            "match": {"role": "coder", "subtask": "build", "method": "pure-code"},
            "response": "```python\ndef build(api):\n    return False\n\n"
            "def done(api):\n    return api.inventory()['house'] >= 1\n```",
        },
        *fuzz_entries("critic", replies, "iteration"),
    ]
    loop = run(
        make_config,
        write_transcript,
        entries + reference_entries,
        method="pure-code",
        max_iterations=len(replies),
        dead_loop_patience=len(replies) + 1,
    )
    records = check_run(loop.run_dir, capsys)
    assert sum(r["malformed_answers"].get("critic", 0) for r in records) == len(replies), [
        (r["malformed_answers"], r["repeated"], r["success_rate"]) for r in records
    ]


@pytest.mark.parametrize("bad", ["get_wood", "craft_planks"])
def test_programs_that_turn_bad_after_the_dry_run_are_named_failures(
    bad, make_config, write_transcript, reference_entries, capsys
):
    """``get_wood``: a code sub-task (evaluation); ``craft_planks``: a coded action (training, evaluation)."""
    good_wood = next(e for e in reference_entries if e["match"].get("subtask") == "get_wood")["response"]
    wood = misbehaving_program("get_wood", GET_WOOD_JOB) if bad == "get_wood" else good_wood
    entries = [
        {"match": {"role": "planner"}, "response": json.dumps(RL_PLAN)},
        {"match": {"role": "coder", "subtask": "get_wood"}, "response": wood},
        {
            "match": {"role": "coder", "subtask": "build"},
            "response": misbehaving_program("craft_planks", CRAFT_JOB),
        },
        {"match": {"role": "critic"}, "response": '{"planner_feedback": "ok", "replan": false}'},
    ]
    loop = run(
        make_config,
        write_transcript,
        entries,
        learner={"total_timesteps": 256, "hyperparameters": {"n_steps": 64, "batch_size": 64}},
        evaluation={"episodes": 3},
        code={"call_timeout_s": 0.3, "dry_run_timeout_s": 10},
    )
    (record,) = check_run(loop.run_dir, capsys)
    assert record["env_steps"]["train"] >= 256 and record["episodes"] == 3
    assert not record["code_rejections"]  # every program passed its dry run
    line = next(
        line
        for line in record["summary"].splitlines()
        if line.startswith(f"- {bad if bad == 'get_wood' else 'build'}")
    )
    assert bad in line or "macros" in line, record["summary"]
    assert any(
        word in line for word in ("wall-clock limit", "disabled after", "RecursionError", "KeyError")
    ), line
    failures = record["call_failures"]
    phases = ("train", "eval") if bad == "craft_planks" else ("eval",)
    for phase in phases:  # counted, by function and reason, wherever the call was made
        assert any(key.startswith(f"{bad}: ") for key in failures[phase]), failures
    assert "failed calls of generated code" in record["summary"]
    cell = "/".join(str(sum(failures.get(phase, {}).values())) for phase in ("train", "eval"))
    assert f"| {cell} |" in (loop.run_dir.path / "report.md").read_text(encoding="utf-8")


def test_a_huge_valid_critique_is_bounded_before_the_next_prompt(
    make_config, write_transcript, reference_entries, capsys
):
    huge = json.dumps({"planner_feedback": "try again " * 30_000, "replan": True})
    entries = [
        {"match": {"role": "planner"}, "response": json.dumps(CODE_PLAN)},
        {
            "match": {"role": "coder", "subtask": "build", "method": "pure-code"},
            "response": "```python\ndef build(api):\n    return False\n\n"
            "def done(api):\n    return api.inventory()['house'] >= 1\n```",
        },
        {"match": {"role": "critic"}, "response": huge},
    ]
    loop = run(
        make_config, write_transcript, entries + reference_entries, method="pure-code", max_iterations=2
    )
    check_run(loop.run_dir, capsys)
    for sent in (loop.run_dir.path / "llm").glob("*.json"):
        messages = json.loads(sent.read_text(encoding="utf-8"))["messages"]
        assert all(len(m["content"]) <= 30_000 for m in messages), sent.name
