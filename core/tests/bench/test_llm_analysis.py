"""The LLM comparison analysis: stages where trials stop, and the by-LLM numbers with intervals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rlgpt.bench.llm_analysis import fresh_call_speed, llm_summary, main, stage


def _trial(llm: str, task: str, seed: int, *, success: int = 0, valid: int = 1, accepted: float | None = 1.0,
           status: str = "finished", end: str = "max_iterations", cached: int = 0) -> dict:
    acceptance = {} if accepted is None else {"0": accepted}
    records = [{"successes": success, "episodes": 10 if valid else 0}]
    return {
        "id": f"{task}-{llm}-{seed}", "task": task, "method": "rl-gpt", "llm": llm, "seed": seed,
        "status": status, "wall_time_s": 10.0, "records": records,
        "summary": {"final_success_rate": success / 10, "status": end},
        "llm_metrics": {
            "plans_asked": 1, "plans_valid": valid, "planner_failures": {} if valid else {"schema": 1},
            "code_acceptance_by_attempt": acceptance, "code_rejections": {} if accepted else {"syntax": 2},
            "calls": {"planner": {"fresh_calls": 1 - cached, "cached_calls": cached,
                                  "fresh_tokens": 100 * (1 - cached), "cached_tokens": 100 * cached}},
        },
    }


def test_each_trial_stops_at_the_first_stage_it_does_not_pass() -> None:
    assert stage(_trial("a", "t", 0, valid=0)) == "no_plan"
    assert stage(_trial("a", "t", 0, accepted=0.0)) == "code_rejected"
    assert stage(_trial("a", "t", 0, accepted=None)) == "task_failed"  # an RL-only plan needs no code
    assert stage(_trial("a", "t", 0)) == "task_failed"
    assert stage(_trial("a", "t", 0, success=3)) == "succeeded"
    assert stage(_trial("a", "t", 0, status="failed")) == "trial_failed"
    unanswered = {"error": "LLMError: replay transcript x.jsonl has no answer for role=planner iteration=0"}
    assert stage(_trial("replay:reference", "t", 0, status="failed") | unanswered) == "no_reference"
    assert stage(_trial("a:b", "t", 0, status="failed") | unanswered) == "trial_failed"


def test_the_summary_counts_trials_without_episodes_as_zero_and_dead_loops_over_trials() -> None:
    trials = [
        _trial("a", "t", 0, success=10),
        _trial("a", "t", 1, valid=0, end="dead_loop", cached=1),
        _trial("a", "t", 2, status="failed"),
    ]
    summary = llm_summary(trials)
    assert (summary["finished"], summary["trials"]) == (2, 3)
    assert summary["success"].value == pytest.approx(0.5)
    assert summary["dead_loop"].value == pytest.approx(0.5)
    assert summary["plan_valid_rate"] == pytest.approx(0.5)
    assert (summary["fresh_calls"], summary["cached_calls"]) == (1, 1)
    assert summary["planner_failures"] == {"schema": 1}


def test_main_writes_the_tables_and_the_plot(tmp_path: Path) -> None:
    trials = [_trial(llm, task, seed, success=seed * 3 if llm == "x" else 0, valid=int(llm == "x"))
              for llm in ("x", "y") for task in ("t1", "t2") for seed in range(3)]
    (tmp_path / "results.json").write_text(json.dumps({"command": "rlgpt bench ...", "trials": trials}))
    main([str(tmp_path)])
    text = (tmp_path / "llm-analysis.md").read_text()
    assert "| x | 6/6 | 0.30 [" in text
    row = "| t1 | code accepted, task failed: 1, success > 0 (last iteration): 2 | no usable plan: 3 |"
    assert row in text
    assert (tmp_path / "success_by_llm.png").stat().st_size > 0


def test_speed_counts_only_fresh_calls(tmp_path: Path) -> None:
    calls = [
        {"kind": "llm_call", "cached": False, "replayed": False, "completion_tokens": 100, "latency_s": 10.0},
        {"kind": "llm_call", "cached": True, "replayed": False, "completion_tokens": 500, "latency_s": 0.0},
        {"kind": "llm_call", "cached": False, "replayed": True, "completion_tokens": 500, "latency_s": 0.1},
        {"kind": "llm_call", "file": "llm/00004.json", "completion_tokens": 500, "latency_s": 0.0},
        {"kind": "plan"},
    ]
    (tmp_path / "llm").mkdir()
    (tmp_path / "llm" / "00004.json").write_text(json.dumps({"completion": {"backend": "replay"}}))
    (tmp_path / "events.jsonl").write_text("\n".join(json.dumps(c) for c in calls))
    assert fresh_call_speed([{"run_dir": str(tmp_path)}, {"run_dir": str(tmp_path / "gone")}]) == 10.0
    assert fresh_call_speed([{"run_dir": str(tmp_path / "gone")}]) is None
    assert fresh_call_speed([{"run_dir": str(tmp_path), "llm": "replay:reference"}]) is None


def test_a_folder_without_results_is_a_one_line_error(tmp_path: Path, capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([str(tmp_path)])
    assert exit_info.value.code == 2
    assert "results.json not found - run `rlgpt bench" in capsys.readouterr().err
