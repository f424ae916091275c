"""The method table's training success: the trials' last-iteration training success beside their success."""

from __future__ import annotations

import pytest
from rlgpt.bench.tables import method_rows, results_markdown
from rlgpt.metrics import IterationRecord


def trial(method: str, seed: int, successes: int, trained: tuple[int, int] | None) -> dict:
    """A finished trial whose one iteration solved ``successes`` of 10 episodes, with what it trained."""
    record = IterationRecord(iteration=0, episodes=10, successes=successes)
    if trained is not None:
        record.count_training("task", [True] * trained[0] + [False] * (trained[1] - trained[0]))
    summary = {"final_success_rate": successes / 10, "status": "max_iterations", "iterations": 1,
               "code_rejections": 0, "malformed_answers": 0, "tokens": 0, "env_steps": 600}  # fmt: skip
    return {"id": f"{method}-{seed}", "task": "collect_wood", "method": method, "llm": "-", "seed": seed,
            "status": "finished", "error": None, "wall_time_s": 1.0, "summary": summary,
            "records": [record.to_dict()]}  # fmt: skip


def test_training_success_is_the_mean_over_trials_that_trained() -> None:
    results = [
        trial("pure-rl", 0, 0, (70, 79)),
        trial("pure-rl", 1, 2, (30, 100)),
        trial("pure-code", 0, 5, None),
    ]
    pure_rl, pure_code = method_rows(results)
    assert pure_rl.train_success == pytest.approx((70 / 79 + 0.3) / 2) and pure_rl.success == pytest.approx(
        0.1
    )
    assert pure_code.train_success is None
    lines = results_markdown("rlgpt bench", "2 CPU cores", results, "plot.png").splitlines()
    header = lines.index(
        "| method | LLM | trials ok | success [95% CI over seeds] | training success | dead-loop rate "
        "| iterations | code rejections | tokens | env steps | wall time (s) |"
    )
    assert lines[header + 2].split(" | ")[4] == f"{(70 / 79 + 0.3) / 2:.2f}"
    assert lines[header + 3].split(" | ")[4] == "-"
