"""A tiny matrix on gridcraft through the local executor: outputs, reruns, failing trials."""

from __future__ import annotations

import json
import shutil

import matplotlib.image
import pytest


@pytest.fixture(scope="module")
def tiny_bench(tmp_path_factory, bench_files, bench_entries, bench_run):
    """pure-code and pure-rl x build_house x seeds 0,1, with a 64-step budget: (status, out folder)."""
    folder = tmp_path_factory.mktemp("bench")
    config = bench_files(folder, bench_entries)
    out = folder / "out"
    status = bench_run(out, config=config, methods=["pure-code", "pure-rl"], seeds=[0, 1], budget=64)
    return status, out


def trial_results(out):
    return {p.stem: json.loads(p.read_text()) for p in (out / "trials").glob("*.json")}


def test_every_trial_has_a_run_directory_and_a_result(tiny_bench):
    status, out = tiny_bench
    assert status == 0
    results = trial_results(out)
    assert sorted((r["method"], r["seed"], r["llm"]) for r in results.values()) == [
        ("pure-code", 0, "replay:reference"),
        ("pure-code", 1, "replay:reference"),
        ("pure-rl", 0, "-"),
        ("pure-rl", 1, "-"),
    ]
    assert sorted(p.name for p in (out / "runs").iterdir()) == sorted(results)
    for trial_id, result in results.items():
        assert result["id"] == trial_id and result["status"] == "finished"
        events = (out / "runs" / trial_id / "events.jsonl").read_text().splitlines()
        assert json.loads(events[-1])["kind"] == "run_end"
        assert result["config"]["learner"]["total_timesteps"] == 64
        steps = sum(sum(r["env_steps"].values()) for r in result["records"])
        assert result["summary"]["env_steps"] == steps > 0


def test_env_steps_are_counted_per_method(tiny_bench):
    _, out = tiny_bench
    for result in trial_results(out).values():
        (record,) = result["records"]
        if result["method"] == "pure-code":  # no training: dry runs and evaluation only
            assert record["env_steps"]["train"] == 0 and record["env_steps"]["dry_run"] > 0
            assert record["successes"] == record["episodes"] == 3
        else:
            assert record["env_steps"]["train"] >= 64 and record["llm"]["calls"] == 0


def test_results_markdown_table(tiny_bench):
    _, out = tiny_bench
    text = (out / "results.md").read_text()
    lines = text.splitlines()
    assert lines[2] == f"Command: `rlgpt bench --out {out}`"
    assert lines[4].startswith("Machine: ") and "CPU cores, Python 3." in lines[4]
    table = lines[lines.index("## build_house") + 2 :]
    header, _, code, rl = table[:4]
    assert header.split(" | ")[:4] == ["| method", "LLM", "trials ok", "success [95% CI over seeds]"]
    code_cells = [cell.strip() for cell in code.strip("|").split("|")]
    # pure code trains nothing: no training success; no dead loop
    assert code_cells[:6] == ["pure-code", "replay:reference", "2/2", "1.00 [1.00, 1.00] (n=6)", "-", "0.00"]
    rl_cells = [cell.strip() for cell in rl.strip("|").split("|")]
    assert rl_cells[:3] == ["pure-rl", "-", "2/2"] and rl_cells[8] == "0"  # no tokens
    assert "## By LLM" not in text and "## Failed trials" not in text
    assert "![success against env steps](success_vs_steps.png)" in text


def test_results_json_and_plot(tiny_bench):
    _, out = tiny_bench
    data = json.loads((out / "results.json").read_text())
    assert data["command"] == f"rlgpt bench --out {out}"
    assert len(data["trials"]) == 4 and data["by_llm"][0]["llm"] == "replay:reference"
    rows = {row["method"]: row for row in data["rows"]}
    assert rows["pure-code"]["success"] == 1.0 and rows["pure-code"]["episodes"] == 6
    rl_steps = [t["summary"]["env_steps"] for t in data["trials"] if t["method"] == "pure-rl"]
    assert rows["pure-rl"]["env_steps"] == pytest.approx(sum(rl_steps) / 2)
    image = matplotlib.image.imread(out / "success_vs_steps.png")
    assert image.ndim == 3 and image.shape[0] > 100


def test_rerun_skips_finished_trials(tiny_bench, tmp_path, bench_run, capsys):
    _, original = tiny_bench
    out = tmp_path / "moved"
    shutil.copytree(original, out)  # trial ids do not depend on where the results live
    before = {p.name: p.read_text() for p in (out / "trials").iterdir()}
    config = original.parent / "base.toml"
    status = bench_run(out, config=config, methods=["pure-code", "pure-rl"], seeds=[0, 1], budget=64)
    assert status == 0
    assert "4 trials: 4 already finished, 0 to run" in capsys.readouterr().err
    assert sorted(p.name for p in (out / "runs").iterdir()) == sorted(p.removesuffix(".json") for p in before)
    assert {p.name: p.read_text() for p in (out / "trials").iterdir()} == before


def test_failing_trial_is_recorded_and_the_rest_go_on(tmp_path, bench_files, bench_entries, bench_run):
    only_build_house = [{**e, "match": {**e["match"], "task": "build_house"}} for e in bench_entries]
    config = bench_files(tmp_path, only_build_house)
    out = tmp_path / "out"
    args = dict(config=config, methods=["pure-code"], tasks=["make_plank", "build_house"], seeds=[0])
    assert bench_run(out, **args) == 1
    results = {r["task"]: r for r in trial_results(out).values()}
    failed, finished = results["make_plank"], results["build_house"]
    assert failed["status"] == "failed" and finished["status"] == "finished"
    assert "has no answer for role=planner" in failed["error"] and "LLMError" in failed["details"]
    assert failed["summary"] is None and finished["summary"]["final_success_rate"] == 1.0
    text = (out / "results.md").read_text()
    assert "## make_plank" in text and f"- `{failed['id']}`: {failed['error']}" in text
    plank_row = text.splitlines()[text.splitlines().index("## make_plank") + 4]
    assert "| 0/1 | - |" in plank_row

    runs_before = sorted(p.name for p in (out / "runs").iterdir())
    assert bench_run(out, **args) == 1  # the failed trial runs again, resuming its own run directory
    assert sorted(p.name for p in (out / "runs").iterdir()) == runs_before
    assert trial_results(out)[failed["id"]]["finished_at"] >= failed["finished_at"]
