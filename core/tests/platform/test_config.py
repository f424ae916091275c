"""Run configs: TOML loading, --set overrides, one-line errors, validation against plugins."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from rlgpt.config import (
    ConfigError,
    RunConfig,
    apply_overrides,
    load_config,
    parse_config,
    parse_override,
    validate_against_registry,
)
from rlgpt.methods import PURE_CODE, PURE_RL, RL_GPT
from rlgpt.plugins import Registry
from rlgpt.specs import AgentSpec, AgentStructure, EnvironmentSpec, LearnerSpec, LLMBackendSpec
from rlgpt_example_plugin import SPEC

CORRIDOR = replace(SPEC, testing=False)  # listed and suggested, as an installed environment is

CONTINUOUS = frozenset({"continuous"})
MINIMAL = 'env = "corridor"\ntask = "reach_end"\n'


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "run.toml"
    path.write_text(text)
    return path


def error_of(tmp_path: Path, text: str, overrides: tuple[str, ...] = ()) -> str:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as excinfo:
        load_config(path, overrides)
    message = str(excinfo.value)
    assert "\n" not in message
    return message.removeprefix(f"{path}: ")


def test_minimal_config_gets_the_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, MINIMAL))
    assert (config.env, config.task, config.method, config.agents) == (
        "corridor", "reach_end", "rl-gpt", "slow+fast+critic"
    )
    assert config.llm.backend == "replay" and config.learner.total_timesteps == 20000
    assert config.code.macro_step_budget == 100 and config.evaluation.max_episode_steps is None
    assert config.runs_dir == Path("runs")


def test_tables_and_overrides(tmp_path: Path) -> None:
    text = MINIMAL + '[llm]\nbackend = "openai"\nmodel = "gpt-4o"\n[learner]\ntotal_timesteps = 1000\n'
    config = load_config(
        write(tmp_path, text),
        [
            "learner.total_timesteps=5000",
            "learner.hyperparameters.learning_rate=3e-4",
            "llm.options.base_url=http://127.0.0.1:8000/v1",
            "target_success=0.5",
            "llm.cache=false",
            "name=my first run",
        ],
    )
    assert config.learner.total_timesteps == 5000
    assert config.learner.hyperparameters == {"learning_rate": 3e-4}
    assert config.llm.options == {"base_url": "http://127.0.0.1:8000/v1"}
    assert (config.target_success, config.llm.cache, config.name) == (0.5, False, "my first run")
    assert config.llm.model == "gpt-4o"


def test_override_values_are_toml_literals_else_strings() -> None:
    assert parse_override("a=[1, 2]") == ("a", [1, 2])
    assert parse_override("a.b = true") == ("a.b", True)
    assert parse_override('a="quoted"') == ("a", "quoted")
    assert parse_override("a=gpt-4o") == ("a", "gpt-4o")


def test_overrides_do_not_touch_the_input() -> None:
    data = {"learner": {"n_envs": 1}}
    assert apply_overrides(data, ["learner.n_envs=4"]) == {"learner": {"n_envs": 4}}
    assert data == {"learner": {"n_envs": 1}}


def test_json_dump_round_trips(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, MINIMAL), ["obs_mode=index", "llm.options.x=[1, 2]"])
    dumped = json.loads(json.dumps(config.model_dump(mode="json")))
    assert RunConfig.model_validate(dumped) == config


@pytest.mark.parametrize(
    ("text", "overrides", "expected"),
    [
        (MINIMAL, ("learner.total_timesteps=-5",), "learner.total_timesteps: must be >= 1, got -5"),
        (MINIMAL, ("target_success=1.5",), "target_success: must be <= 1.0, got 1.5"),
        (MINIMAL, ("max_fixes=-1",), "max_fixes: must be >= 0, got -1"),
        (
            MINIMAL + "[learner]\ntotal_timestep = 5\n",
            (),
            "learner.total_timestep: unknown key (allowed: name, total_timesteps, n_envs, checkpoint_every, "
            "hyperparameters, reward_shaping) - did you mean 'learner.total_timesteps'?",
        ),
        ('task = "reach_end"\n', (), "env: required key is missing"),
        (
            MINIMAL,
            ("seed=abc",),
            "seed: input should be a valid integer, unable to parse string as an integer, got 'abc'",
        ),
    ],
)
def test_errors_are_one_line_naming_the_key(
    tmp_path: Path, text: str, overrides: tuple[str, ...], expected: str
) -> None:
    assert error_of(tmp_path, text, overrides) == expected


def test_toml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, MINIMAL + "seed = = 3\n")
    with pytest.raises(ConfigError, match=rf"^{path}: invalid TOML: .*line 3"):
        load_config(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nope\.toml: no such config file"):
        load_config(tmp_path / "nope.toml")


def test_malformed_overrides(tmp_path: Path) -> None:
    assert error_of(tmp_path, MINIMAL, ("learner.total_timesteps",)) == (
        "--set 'learner.total_timesteps': expected KEY=VALUE, e.g. --set learner.total_timesteps=5000"
    )


def test_override_through_a_value_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"^--set seed\.x: seed is a value \(3\), not a table$"):
        parse_config({"env": "e", "task": "t", "seed": 3}, ["seed.x=1"])


@pytest.fixture
def registry() -> Registry:
    """A registry holding the example corridor and named backends, learners and agents."""
    agent = AgentSpec(name="default", factory=dict, description="agent")
    return Registry(
        environments={"corridor": CORRIDOR, "arm": _continuous_env()},
        llm_backends={n: LLMBackendSpec(name=n, factory=dict, description=n) for n in ("openai", "replay")},
        learners={
            "ppo": LearnerSpec(name="ppo", factory=dict, description="ppo"),
            "sac": LearnerSpec(name="sac", factory=dict, description="sac", action_spaces=CONTINUOUS),
        },
        planners={"default": agent},
        coders={"default": agent},
        critics={"default": agent},
        methods={m.name: m for m in (RL_GPT, PURE_RL, PURE_CODE)},
        agent_structures={"slow+fast+critic": AgentStructure("slow+fast+critic", "both agents and a critic")},
    )


def _continuous_env() -> EnvironmentSpec:
    return replace(CORRIDOR, name="arm", continuous=True, primitive_actions=())


def test_valid_config_passes_the_registry(registry: Registry) -> None:
    config = parse_config({"env": "corridor", "task": "reach_end", "obs_mode": "index"})
    validate_against_registry(config, registry)


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (
            ["env=corridr"],
            "env: unknown environment 'corridr' (installed: arm, corridor) - did you mean 'corridor'?",
        ),
        (
            ["task=reach_ned"],
            "task: unknown task 'reach_ned' (tasks of 'corridor': reach_end, reach_middle)"
            " - did you mean 'reach_end'?",
        ),
        (
            ["obs_mode=pixels"],
            "obs_mode: unknown observation mode 'pixels' (modes of 'corridor': index, onehot)",
        ),
        (
            ["llm.backend=opena"],
            "llm.backend: unknown llm backend 'opena' (installed: openai, replay) - did you mean 'openai'?",
        ),
        (
            ["learner.name=ppo2"],
            "learner.name: unknown learner 'ppo2' (installed: ppo, sac) - did you mean 'ppo'?",
        ),
        (["critic=strict"], "critic: unknown critic 'strict' (installed: default)"),
        (
            ["method=rlgpt"],
            "method: unknown method 'rlgpt' (installed: pure-code, pure-rl, rl-gpt) - did you mean 'rl-gpt'?",
        ),
        (
            ["agents=slow+fast+critc"],
            "agents: unknown agent structure 'slow+fast+critc' (installed: slow+fast+critic)"
            " - did you mean 'slow+fast+critic'?",
        ),
        (
            ["env_options.rewards='task'"],
            "env_options: environment 'corridor' has no option 'rewards' (options: none)",
        ),
        (
            ["env_options.obs_mode='index'"],
            "env_options: 'obs_mode' is not an option here: use obs_mode instead",
        ),
        (
            ["env=arm"],
            "learner.name: learner 'ppo' cannot train on the continuous actions of environment 'arm'"
            " (learners that can: sac)",
        ),
    ],
)
def test_registry_errors_name_the_key_and_the_choices(
    registry: Registry, overrides: list[str], expected: str
) -> None:
    config = parse_config({"env": "corridor", "task": "reach_end"}, overrides)
    with pytest.raises(ConfigError) as excinfo:
        validate_against_registry(config, registry)
    assert str(excinfo.value) == expected
