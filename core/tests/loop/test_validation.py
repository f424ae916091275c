"""evaluation.validation_episodes: the loop deploys a trained policy only where it beats its own coded
actions run alone on validation worlds, and the controls replay the same choice after a run.

The line (loop_fakes) with one RL sub-task that keeps both moves and has one coded action, ``dash``
(right until the end). The fixed learner's policy is one action in every step: ``left`` (index 0)
never arrives, ``right`` (index 1) arrives as the coded action does.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from rich.console import Console
from rlgpt.bench.analysis import write_analysis
from rlgpt.bench.controls import SELECTED, TRAINED, load_controls, run_controls
from rlgpt.bench.matrix import Trial
from rlgpt.bench.quality import quality_markdown, read_level
from rlgpt.bench.trial import FINISHED, base_result, write_json
from rlgpt.config import RunConfig
from rlgpt.loop import Loop
from rlgpt.metrics import IterationRecord
from rlgpt.plugins import PluginSelection
from rlgpt.policy_selection import Selection, validate
from rlgpt.worlds import evaluation_world, validation_world

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))  # loop_fakes, also for the env built in child processes

LEFT, RIGHT = 0, 1
PLAN = {
    "rationale": "Running right is easy to write; RL decides when.",
    "subtasks": [
        {
            "name": "walk",
            "description": "Walk to the last cell.",
            "method": "rl",
            "done_condition": "at the last cell",
            "coded_actions": [{"name": "dash", "description": "run right until the last cell"}],
        }
    ],
}
CODE = """```python
def dash(api):
    for _ in range(8):
        if api.position() == 4:
            return True
        api.right()
    return True


def done(api):
    return api.position() == 4
```"""


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch):
    """The core's built-ins and loop_fakes' line and fixed-action learner."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")])))
    return PluginSelection(autoload=False).with_plugins("loop_fakes").registry()


@pytest.fixture
def transcript(tmp_path: Path) -> Path:
    entries = [
        {"match": {"role": "planner"}, "response": json.dumps(PLAN)},
        {"match": {"role": "coder"}, "response": CODE},
    ]
    path = tmp_path / "line.jsonl"
    path.write_text("".join(json.dumps(entry) + "\n" for entry in entries))
    return path


def run(registry, tmp_path: Path, transcript: Path, action: int, validation: int, seed: int = 0) -> Loop:
    config = RunConfig.model_validate(
        {
            "name": f"reach_end-rl-gpt-a{action}-v{validation}-s{seed}",
            "env": "line",
            "task": "reach_end",
            "method": "rl-gpt",
            "agents": "slow+fast",
            "seed": seed,
            "runs_dir": str(tmp_path / "out" / "runs"),
            "max_iterations": 1,
            "llm": {"backend": "replay", "options": {"transcript": str(transcript)}},
            "learner": {"name": "fixed", "total_timesteps": 40, "hyperparameters": {"action": action}},
            "evaluation": {"episodes": 4, "validation_episodes": validation},
            "code": {"dry_run_timeout_s": 10, "call_timeout_s": 1.0},
        }
    )
    loop = Loop.from_config(config, registry, console=Console(quiet=True), progress_bar=False)
    loop.run()
    return loop


def only_record(loop: Loop) -> IterationRecord:
    (event,) = loop.run_dir.read_events().of_kind("iteration_end")
    return IterationRecord.from_dict(event["record"])


def test_validation_deploys_the_coded_action_where_the_trained_policy_never_arrives(
    registry, tmp_path: Path, transcript: Path
) -> None:
    record = only_record(loop := run(registry, tmp_path, transcript, LEFT, validation=3))
    assert record.selection == {
        "chosen": "always:dash",
        "successes": {"trained": 0, "always:dash": 3},
        "episodes": 3,
        "steps": record.env_steps["validation"],
    }
    assert record.env_steps["validation"] > 0 and record.env_steps["eval"] > 0
    assert (record.successes, record.episodes) == (4, 4), "evaluated with the coded action alone"
    assert "validation (trained 0/3, always:dash 3/3): evaluated with always:dash" in record.summary
    (validated,) = loop.run_dir.read_events().of_kind("validated")
    assert validated["chosen"] == "always:dash"


def test_ties_go_to_the_trained_policy_and_no_validation_keeps_it(
    registry, tmp_path: Path, transcript: Path
) -> None:
    tie = only_record(run(registry, tmp_path, transcript, RIGHT, validation=2))
    assert tie.selection is not None and tie.selection["chosen"] == "trained"
    assert tie.selection["successes"] == {"trained": 2, "always:dash": 2}
    unvalidated = only_record(run(registry, tmp_path, transcript, LEFT, validation=0))
    assert unvalidated.selection is None and "validation" not in unvalidated.env_steps
    assert unvalidated.successes == 0 and "validation (" not in unvalidated.summary


def test_validation_and_evaluation_worlds_never_meet() -> None:
    evaluation = {evaluation_world(seed, episode) for seed in range(100) for episode in range(1000)}
    validation = {validation_world(seed, episode) for seed in range(100) for episode in range(1000)}
    assert not evaluation & validation


def _write_trial(out: Path, loop: Loop, seed: int) -> None:
    config = loop.config
    trial = Trial(id=config.name, config=config, llm="replay:reference")
    records = [e["record"] for e in loop.run_dir.read_events().of_kind("iteration_end")]
    summary = loop.run_dir.read_events().last("run_end")["summary"]
    result = {**base_result(trial), "status": FINISHED, "finished_at": f"2026-01-01T00:00:0{seed}+00:00"}
    write_json(out / "trials" / f"{trial.id}.json", {**result, "summary": summary, "records": records})


def test_controls_replay_the_choice_after_a_run_and_keep_the_loops_own(
    registry, tmp_path: Path, transcript: Path
) -> None:
    out = tmp_path / "out"
    for seed in (0, 1):
        _write_trial(out, run(registry, tmp_path, transcript, LEFT, validation=0, seed=seed), seed)
    assert run_controls(out, log=lambda line: None, registry=registry) == 2
    assert all("selection" not in c for c in load_controls(out).values())
    assert run_controls(out, log=lambda line: None, registry=registry, validation_episodes=3) == 2
    assert run_controls(out, log=lambda line: None, registry=registry, validation_episodes=3) == 0, "done"
    for controls in load_controls(out).values():
        assert controls["selection"]["chosen"] == "always:dash"
        assert controls["policies"][SELECTED] == controls["policies"]["always:dash"]
        assert controls["policies"][TRAINED]["success"] == [0, 0, 0, 0]
    for path in sorted((out / "trials").glob("*.json")):  # another method on the same seeds and worlds
        copy = {**json.loads(path.read_text()), "method": "copy"}
        write_json(path.with_name("copy-" + path.name), {**copy, "id": "copy-" + copy["id"]})
    text = write_analysis(out, registry).read_text()
    assert "**Validated** (after the run" in text and "always:dash on 2 of 2 seeds" in text
    assert "- validated rl-gpt - copy: +1.00 [+1.00, +1.00]" in text
    assert "seeds): 1.00 [1.00, 1.00]; minus the best control, `random`: +0.00" in text
    table = quality_markdown([read_level(out)])
    assert "| rl-gpt, validated | validated adds |" in table and "| 1.00 [1.00, 1.00] | +0.00" in table

    validated = tmp_path / "validated"
    _write_trial(validated, loop := run(registry, tmp_path, transcript, LEFT, validation=3, seed=0), 0)
    assert run_controls(validated, log=lambda line: None, registry=registry, validation_episodes=3) == 1
    controls = load_controls(validated)[loop.config.name]
    assert controls["reproduces_loop"], "trained is what the loop deployed: the coded action alone"
    assert controls["selection"] == only_record(loop).selection and SELECTED not in controls["policies"]
    assert controls["selection"] == load_controls(out)["reach_end-rl-gpt-a0-v0-s0"]["selection"], (
        "after the run, the same candidates on the same worlds choose the same"
    )
    assert "The loop validated the trained policy" in write_analysis(validated, registry).read_text()


TWO_STEPS_PLAN = {
    "rationale": "Two coded steps, each for its own cells; RL decides when.",
    "subtasks": [
        {
            "name": "walk",
            "description": "Walk to the last cell.",
            "method": "rl",
            "done_condition": "at the last cell",
            "primitives": ["left"],
            "coded_actions": [
                {"name": "step_from_even", "description": "one cell right (applies on even cells)"},
                {"name": "step_from_odd", "description": "one cell right (applies on odd cells)"},
            ],
            "max_steps": 4,
        }
    ],
}
TWO_STEPS_CODE = """```python
def step_from_even(api):
    api.right()
    return True


def can_step_from_even(api):
    return api.position() % 2 == 0


def step_from_odd(api):
    api.right()
    return True


def can_step_from_odd(api):
    return api.position() % 2 == 1


def done(api):
    return api.position() == 4
```"""


def test_coded_actions_in_order_is_a_candidate_where_no_single_coded_action_arrives(
    registry, tmp_path: Path
) -> None:
    """Each coded action alone leaves every other step to chance (left or the other coded action) and
    four steps allow no mistake; run in order, the two are the program that walks straight there."""
    transcript = tmp_path / "two-steps.jsonl"
    entries = [
        {"match": {"role": "planner"}, "response": json.dumps(TWO_STEPS_PLAN)},
        {"match": {"role": "coder"}, "response": TWO_STEPS_CODE},
    ]
    transcript.write_text("".join(json.dumps(entry) + "\n" for entry in entries))
    record = only_record(run(registry, tmp_path, transcript, LEFT, validation=8))
    assert record.selection is not None
    successes = record.selection["successes"]
    assert list(successes) == ["trained", "always:step_from_even", "always:step_from_odd", "coded-in-order"]
    assert successes["trained"] == 0 and successes["coded-in-order"] == 8
    assert max(successes["always:step_from_even"], successes["always:step_from_odd"]) < 8
    assert record.selection["chosen"] == "coded-in-order" and record.successes == record.episodes == 4


def test_a_success_predicate_that_raises_is_a_counted_failure_named_in_the_selection() -> None:
    """validate() judges episodes as evaluation does: a raising predicate fails the episode, and what it
    raised is kept (the record and the summary the critic reads say it)."""

    class Chain:
        steps, info = 3, {"position": 4}

    class Runtime:  # the two calls validate() makes of a PlanRuntime
        def make_env(self):
            return type("Env", (), {"close": lambda self: None})()

        def run_episode(self, env, predictors, default_steps, world):
            return Chain()

    def success(info):
        if predictors_seen[-1] == "broken":
            raise KeyError("at_end")
        return True

    predictors_seen: list[str] = []
    names = ("trained", "broken")
    candidates = {name: (lambda episode, name=name: predictors_seen.append(name) or {}) for name in names}
    selection = validate(Runtime(), success, candidates, seed=0, episodes=2, default_steps=10)
    assert selection.successes == {"trained": 2, "broken": 0} and selection.chosen == "trained"
    assert selection.task_errors == {"success(info) raised KeyError: 'at_end'": 2}
    assert selection.to_dict()["task_errors"] == selection.task_errors
    assert "; success(info) raised KeyError: 'at_end' (2x)" in selection.summary()
    assert "task_errors" not in Selection("trained", {"trained": 1}, 1, 3).to_dict()


DONE_ONLY = "```python\ndef done(api):\n    return api.position() == 4\n```"


def test_a_plan_without_coded_actions_validates_to_its_trained_policy(registry, tmp_path: Path) -> None:
    """No coded action to run alone (none written, or every program rejected): the trained policy is the
    only candidate, so the replay deploys it without validation episodes, as the loop does."""
    moves_only = {**PLAN, "subtasks": [{**PLAN["subtasks"][0], "coded_actions": []}]}
    transcript = tmp_path / "moves-only.jsonl"
    entries = [
        {"match": {"role": "planner"}, "response": json.dumps(moves_only)},
        {"match": {"role": "coder"}, "response": DONE_ONLY},
    ]
    transcript.write_text("".join(json.dumps(entry) + "\n" for entry in entries))
    out = tmp_path / "out"
    loop = run(registry, tmp_path, transcript, RIGHT, validation=3)
    assert only_record(loop).selection is None, "the loop had nothing to validate against"
    _write_trial(out, loop, 0)
    assert run_controls(out, log=lambda line: None, registry=registry, validation_episodes=3) == 1
    (controls,) = load_controls(out).values()
    assert controls["selection"] == {"chosen": "trained", "successes": {}, "episodes": 3, "steps": 0}
    assert controls["policies"][SELECTED] == controls["policies"][TRAINED]
    assert "chosen: trained on 1 of 1 seeds" in write_analysis(out, registry).read_text()
