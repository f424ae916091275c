"""Aggregation and markdown of trial results: intervals over seeds, dead-loop rate, the by-LLM table."""

from __future__ import annotations

import pytest
from rlgpt.bench.stats import bootstrap
from rlgpt.bench.tables import llm_rows, method_rows, results_markdown


def result(method, llm, seed, successes, status="max_iterations", *, failed=False, tokens=100):
    """A trial result as the runner stores it: one iteration of 10 episodes."""
    record = {"successes": successes, "episodes": 10, "success_rate": successes / 10,
              "env_steps": {"train": 500, "eval": 90, "dry_run": 10}}
    summary = {"final_success_rate": successes / 10, "status": status, "iterations": 1, "code_rejections": 2,
               "malformed_answers": 1, "tokens": tokens, "env_steps": 600}
    return {
        "id": f"t-{method}-{llm}-{seed}", "task": "build_house", "method": method, "llm": llm, "seed": seed,
        "status": "failed" if failed else "finished", "error": "LLMError: boom" if failed else None,
        "wall_time_s": 2.0, "summary": None if failed else summary, "records": [] if failed else [record],
    }


RESULTS = [
    result("rl-gpt", "replay:reference", 0, 10, "target_reached"),
    result("rl-gpt", "replay:reference", 1, 4, "dead_loop"),
    result("rl-gpt", "openai:gpt-4o", 0, 2, tokens=300),
    result("rl-gpt", "openai:gpt-4o", 1, 0, failed=True),
    result("pure-rl", "-", 0, 1),
]


def test_rows_average_seeds_with_intervals_over_seeds():
    replay, openai, rl = method_rows(RESULTS)
    assert (replay.method, replay.llm, replay.trials, replay.finished) == ("rl-gpt", "replay:reference", 2, 2)
    assert replay.success == pytest.approx(0.7) and replay.episodes == 20
    interval = bootstrap([[1] * 10, [1] * 4 + [0] * 6])
    assert (replay.ci_low, replay.ci_high) == (interval.low, interval.high)
    assert replay.ci_high - replay.ci_low > 0.5, "two seeds that disagree: a wide interval, not a pooled one"
    assert replay.dead_loop_rate == 0.5
    # the failed trial is counted but enters no mean
    assert (openai.trials, openai.finished, openai.episodes, openai.tokens) == (2, 1, 10, 300)
    assert rl.llm == "-" and rl.success == pytest.approx(0.1)


def test_llm_table_leaves_out_pure_rl():
    rows = llm_rows(RESULTS)
    assert [r.llm for r in rows] == ["replay:reference", "openai:gpt-4o"]
    assert rows[0].malformed_answers == 1.0 and rows[1].success == pytest.approx(0.2)


def test_markdown_has_both_tables_and_the_failures():
    text = results_markdown("rlgpt bench --llm 'a b'", "2 CPU cores", RESULTS, "plot.png")
    lines = text.splitlines()
    assert lines[2] == "Command: `rlgpt bench --llm 'a b'`" and lines[4] == "Machine: 2 CPU cores"
    by_llm = lines[lines.index("## By LLM (all tasks, methods that use an LLM)") + 2 :]
    header = "| LLM | trials ok | success [95% CI over seeds] | dead-loop rate | iterations |"
    assert by_llm[0].startswith(header)
    assert "malformed answers" in by_llm[0]
    assert by_llm[3].startswith("| openai:gpt-4o | 1/2 | 0.20 [")
    assert "- `t-rl-gpt-openai:gpt-4o-1`: LLMError: boom" in lines
    assert text.endswith("\n") and "![success against env steps](plot.png)" in text
