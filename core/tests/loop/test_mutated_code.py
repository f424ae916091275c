"""A run whose coder is degraded on purpose (``code.mutation_rate``): the mistakes are recorded and the
degraded programs are what runs."""

from __future__ import annotations

from rlgpt.code.extract import code_blocks
from rlgpt.loop import Loop


def test_a_degraded_coder_records_each_mistake_and_runs_the_degraded_program(
    make_config, reference_entries
) -> None:
    loop = Loop.from_config(make_config(code={"mutation_rate": 1.0}), progress_bar=False)
    loop.run()
    events = list(loop.run_dir.read_events())
    mutated = [e for e in events if e["kind"] == "code_mutated"]
    assert mutated and all(e["mutations"] for e in mutated)
    assert all(e["subtask"] in {"get_wood", "build"} and e["attempt"] is not None for e in mutated)
    reference = {
        e["match"]["subtask"]: code_blocks(e["response"])[0].strip()
        for e in reference_entries
        if e["match"].get("role") == "coder" and "method" not in e["match"]
    }
    for event in (e for e in events if e["kind"] == "code_accepted"):
        ran = (loop.run_dir.path / f"code/iter-0/{event['subtask']}.py").read_text().strip()
        assert ran != reference[event["subtask"]]


def test_without_a_rate_the_coder_answers_as_written(make_config) -> None:
    loop = Loop.from_config(make_config(learner={"total_timesteps": 256}), progress_bar=False)
    loop.run()
    assert not [e for e in loop.run_dir.read_events() if e["kind"] == "code_mutated"]
