"""Failures a user can see: on the console, in the report's counts, and never dressed up as success."""

from __future__ import annotations

import dataclasses
import io
import json

from gridcraft_plans import CODE_PLAN, RL_PLAN
from rich.console import Console
from rlgpt.loop import Loop


def record_of(loop: Loop) -> dict:
    return next(e for e in loop.run_dir.read_events() if e["kind"] == "iteration_end")["record"]


def test_a_success_predicate_that_raises_mid_run_is_a_counted_failure(
    make_config, reference_entries, write_transcript
):
    config = make_config(transcript=write_transcript(reference_entries), method="pure-code")
    loop = Loop.from_config(config, progress_bar=False)

    def delivered(info):
        if info["inventory"]["house"] >= 1:  # only once the house stands
            return info["passenger"] == "aboard"
        return False

    loop.task = dataclasses.replace(loop.task, success=delivered)
    summary = loop.run()
    assert summary.status == "max_iterations"
    record = record_of(loop)
    assert record["successes"] == 0
    assert (
        "task 'build_house': success(info) raised KeyError: 'passenger' in 10/10 episodes"
        in record["summary"]
    )


def test_planner_and_critic_failures_print_a_line_and_repairs_are_counted(
    make_config, reference_entries, write_transcript
):
    entries = [
        {"match": {"role": "planner", "repair": "1"}, "response": json.dumps(CODE_PLAN)},
        {"match": {"role": "planner"}, "response": "Plan: chop, then build."},
        {"match": {"role": "critic"}, "response": "[]"},
        *reference_entries,
    ]
    config = make_config(
        transcript=write_transcript(entries),
        method="pure-code",
        code={"isolation": "in-process"},
        target_success=1.0,
    )
    out = io.StringIO()
    loop = Loop.from_config(config, progress_bar=False, console=Console(file=out, width=200))
    loop.run()
    printed = out.getvalue()
    assert "critic answer unusable" in printed and "a JSON array" in printed
    record = record_of(loop)
    assert record["malformed_answers"] == {"critic": 1}
    assert record["llm"]["repairs"] == {"planner": 1, "critic": 1}
    report = (loop.run_dir.path / "report.md").read_text()
    assert "critic: 1, planner: 1 repaired" in report


def test_a_plan_never_starts_prints_why(make_config, write_transcript):
    entries = [{"match": {"role": "planner"}, "response": ""}]
    out = io.StringIO()
    config = make_config(transcript=write_transcript(entries), method="pure-code")
    Loop.from_config(config, progress_bar=False, console=Console(file=out, width=200)).run()
    assert "planner answer unusable" in out.getvalue() and "the answer is empty" in out.getvalue()


def test_coded_actions_of_a_rejected_program_are_not_reported_as_run(
    make_config, reference_entries, write_transcript
):
    entries = [
        {"match": {"role": "planner"}, "response": json.dumps(RL_PLAN)},
        {"match": {"role": "coder", "subtask": "build"}, "response": "no code, sorry"},
        *reference_entries,
    ]
    config = make_config(
        transcript=write_transcript(entries),
        max_fixes=0,
        learner={"total_timesteps": 128, "hyperparameters": {"n_steps": 64, "batch_size": 64}},
        evaluation={"episodes": 2},
    )
    loop = Loop.from_config(config, progress_bar=False)
    loop.run()
    report = (loop.run_dir.path / "report.md").read_text()
    line = next(line for line in report.splitlines() if "`build`" in line)
    assert "no program: every answer of the coder was rejected; planned coded actions: craft_planks" in line
    assert "(coded actions: craft_planks)" not in report
