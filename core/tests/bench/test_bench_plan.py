"""Building the trial matrix: which trials, their ids, LLM items and argument errors (no trial runs)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from rlgpt.bench.matrix import METHODS, Trial
from rlgpt.bench.runner import plan_trials
from rlgpt.config import ConfigError
from rlgpt.llm.replay import ReplayLLM
from rlgpt.methods import PureRL
from rlgpt.plugins import build_registry
from rlgpt.specs import LLMBackendSpec


@pytest.fixture(scope="module")
def registry():
    """gridcraft, the learners, replay, and two live-style backends that share a model name."""
    built = build_registry(environ={"RLGPT_LOAD_PLUGINS": "testenv,sb3"})
    models, aliases = ("alpha-large-1", "shared"), {"alpha-l": "alpha-large-1"}
    alpha = LLMBackendSpec("alpha", ReplayLLM, "test backend", models=models, aliases=aliases)
    beta = LLMBackendSpec("beta", ReplayLLM, "test backend", models=("beta-small", "shared"))
    return dataclasses.replace(built, llm_backends={**built.llm_backends, "alpha": alpha, "beta": beta})


@pytest.fixture
def plan(registry, tmp_path, bench_files, bench_entries, bench_args):
    """``plan(**args) -> trials`` with the gridcraft base config and ``--out tmp_path/out``."""
    config = bench_files(tmp_path, bench_entries)

    def build(**values) -> list[Trial]:
        return plan_trials(bench_args(tmp_path / "out", **{"config": config, **values}), registry)

    return build


def test_pure_rl_runs_once_per_task_and_seed_whatever_the_llms(plan):
    trials = plan(seeds=[0, 1], llm=["replay", "alpha:alpha-large-1", "beta-small"])
    cells = [(t.method, t.llm, t.seed) for t in trials]
    assert len(cells) == len(set(cells)) == 2 * 3 + 2 + 2 * 3
    assert [c for c in cells if c[0] == "pure-rl"] == [("pure-rl", "-", 0), ("pure-rl", "-", 1)]
    assert {t.method for t in trials} == set(METHODS)
    assert {t.llm for t in trials if t.method == "rl-gpt"} == {
        "replay:reference", "alpha:alpha-large-1", "beta:beta-small"
    }
    assert all(t.config.runs_dir == (t.config.runs_dir.parent.parent / "out" / "runs") for t in trials)


def test_trial_ids_hash_the_resolved_config(plan):
    first, again = plan(seeds=[0]), plan(seeds=[0])
    assert [t.id for t in first] == [t.id for t in again]
    assert len({t.id for t in first}) == len(first)
    code = next(t for t in first if t.method == "pure-code")
    assert code.id.startswith("build_house-pure-code-replay_reference-s0-") and code.config.name == code.id
    budget = {t.method: t.id for t in plan(seeds=[0], budget=128)}
    assert budget["pure-code"] != code.id
    rl = next(t for t in first if t.method == "pure-rl")
    other_llm = next(t for t in plan(seeds=[0], llm=["alpha-l", "replay"]) if t.method == "pure-rl")
    assert other_llm.id == rl.id and rl.id.startswith("build_house-pure-rl-s0-")


def test_editing_the_replay_transcript_makes_new_trials(plan, tmp_path):
    before = {t.method: t.id for t in plan(seeds=[0])}
    transcript = tmp_path / "transcript.jsonl"
    transcript.write_text(transcript.read_text() + "# one more comment\n")
    after = {t.method: t.id for t in plan(seeds=[0])}
    assert after["pure-rl"] == before["pure-rl"]
    assert after["pure-code"] != before["pure-code"] and after["rl-gpt"] != before["rl-gpt"]


def test_env_without_tasks_means_every_task(plan):
    assert {t.task for t in plan(env="gridcraft", methods=["pure-rl"], seeds=[0])} == {
        "collect_wood", "make_plank", "build_house"
    }
    assert {t.task for t in plan(methods=["pure-rl"], seeds=[0])} == {"build_house"}  # the config's task


def test_budget_sets_every_trials_timesteps(plan):
    assert {t.config.learner.total_timesteps for t in plan(budget=96)} == {96}


def test_set_overrides_a_key_of_every_trial_and_makes_new_trial_ids(plan):
    plain = plan(methods=["pure-code"], seeds=[0])
    degraded = plan(methods=["pure-code"], seeds=[0], set=["code.mutation_rate=0.25"])
    assert [t.config.code.mutation_rate for t in degraded] == [0.25]
    assert plain[0].config.code.mutation_rate == 0.0 and plain[0].id != degraded[0].id


def test_llm_items_resolve_backend_model_options(plan, tmp_path):
    trials = {t.llm: t.config.llm for t in plan(methods=["rl-gpt"], seeds=[0], llm=["replay", "alpha-l"])}
    replay, alpha = trials["replay:reference"], trials["alpha:alpha-l"]
    assert Path(replay.options["transcript"]) == (tmp_path / "transcript.jsonl").resolve()
    assert alpha.backend == "alpha" and alpha.model == "alpha-l" and alpha.options == {}


def test_defaults_without_config_cover_every_task(registry, tmp_path, bench_args, bench_files, bench_entries):
    args = bench_args(tmp_path / "out", env="gridcraft", methods=["pure-code"], llm=["alpha:x"])
    trials = plan_trials(args, registry)
    assert {t.task for t in trials} == {"collect_wood", "make_plank", "build_house"}
    assert {t.seed for t in trials} == {0, 1, 2}


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"methods": ["pure-cod"]}, "--methods: unknown method 'pure-cod' (methods: pure-code, pure-rl, "
         "rl-gpt) - did you mean 'pure-code'?"),
        ({"budget": 0}, "--budget: must be a positive number of env steps per trial, got 0"),
        ({"tasks": ["build_hous"]}, "--tasks: unknown task 'build_hous' (tasks of 'gridcraft': build_house, "
         "collect_wood, make_plank) - did you mean 'build_house'?"),
        ({"llm": ["gamma:x"]}, "--llm 'gamma:x': unknown LLM backend 'gamma'"),
        ({"llm": ["alpha:"]}, "--llm 'alpha:': no model after ':' (e.g. openai:gpt-4o)"),
        ({"llm": ["shared"]}, "--llm 'shared': several backends know this model; give one of alpha:shared, "
         "beta:shared"),
        ({"llm": ["alpha-large"]}, "did you mean 'alpha-large-1'? (or give backend:model)"),
        ({"env": "gridcraf"}, "--env: unknown environment 'gridcraf'"),
    ],
)
def test_bad_arguments_are_one_line_errors_naming_the_fix(plan, values, message):
    with pytest.raises(ConfigError) as error:
        plan(**values)
    assert message in str(error.value) and "\n" not in str(error.value)


def test_replay_needs_the_base_configs_transcript(registry, tmp_path, bench_args):
    args = bench_args(tmp_path / "out", env="gridcraft", methods=["pure-code"])
    with pytest.raises(ConfigError, match=r"replay backend answers from the base config's transcript.*"
                       r"\[llm.options\] transcript"):
        plan_trials(args, registry)


def test_a_bench_of_methods_without_agents_needs_no_llm(registry, tmp_path, bench_args):
    args = bench_args(tmp_path / "out", env="gridcraft", methods=["pure-rl"], seeds=[0, 1])
    trials = plan_trials(args, registry)
    assert {(t.method, t.seed) for t in trials} == {("pure-rl", 0), ("pure-rl", 1)}


def test_unknown_environment_in_the_config(plan, tmp_path):
    config = tmp_path / "base.toml"
    config.write_text(config.read_text().replace('env = "gridcraft"', 'env = "gridcraf"'))
    with pytest.raises(ConfigError, match=r"^env: unknown environment 'gridcraf' \(installed: "):
        plan()


def test_missing_replay_transcript(plan, tmp_path):
    (tmp_path / "transcript.jsonl").unlink()
    with pytest.raises(ConfigError, match=r"replay transcript .*transcript.jsonl not found; fix llm.options"):
        plan()


def test_no_env_and_no_config(registry, tmp_path, bench_args):
    with pytest.raises(ConfigError, match=r"give --env ENV \(installed: .*gridcraft.*\) or --config FILE"):
        plan_trials(bench_args(tmp_path / "out"), registry)


def test_a_plugins_own_method_is_benchmarked_like_the_built_ins(
    registry, tmp_path, bench_files, bench_entries, bench_args
):
    own = PureRL("my-rl", "a user's learner-only method")
    with_own = dataclasses.replace(registry, methods={**registry.methods, own.name: own})
    config = bench_files(tmp_path, bench_entries)
    args = bench_args(tmp_path / "out", config=config, methods=["my-rl", "rl-gpt"], seeds=[0],
                      llm=["replay", "alpha:alpha-large-1"])
    trials = plan_trials(args, with_own)
    assert [(t.method, t.llm) for t in trials] == [
        ("my-rl", "-"), ("rl-gpt", "replay:reference"), ("rl-gpt", "alpha:alpha-large-1")
    ]
    with pytest.raises(ConfigError, match="unknown method 'my-rl'"):
        plan_trials(args, registry)
