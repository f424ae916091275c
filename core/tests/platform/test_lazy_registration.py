"""``"module:callable"`` factories resolved on first use, and tasks added to another plugin's environment."""

from __future__ import annotations

import pickle
import sys
import textwrap
from pathlib import Path

import pytest
from rlgpt.llm import build_llm
from rlgpt.plugins import LOAD_PLUGINS_VAR, DuplicatePluginError, PluginError, build_registry
from rlgpt.specs import AgentSpec, LLMBackendSpec
from rlgpt.testing.learner import Corridor

REPO = Path(__file__).resolve().parents[3]
TRANSCRIPT = REPO / "examples" / "transcripts" / "crafter-basic.jsonl"
ONLY_TESTENV = {LOAD_PLUGINS_VAR: "testenv"}


def write_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str, suffix: str = "") -> str:
    """Write a one-file plugin module with a name unique to the test; return the name."""
    name = f"plugin_{tmp_path.name.replace('-', '_')}{suffix}"
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(source))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, name, raising=False)
    return name


LAZY_PLUGIN = """
    from rlgpt import LearnerSpec, LLMBackendSpec, hookimpl

    class StepCounter:
        def __init__(self, env_fn, *, seed, n_envs, checkpoint_dir, action=1):
            self.env, self.action, self.steps = env_fn(), action, 0

        def learn(self, total_timesteps):
            self.env.reset(seed=0)
            for _ in range(total_timesteps):
                *_, terminated, truncated, _ = self.env.step(self.action)
                self.steps += 1
                if terminated or truncated:
                    self.env.reset()

    @hookimpl
    def register_learners(register):
        register(LearnerSpec("counter", __name__ + ":StepCounter", "steps one action"))
        register(LearnerSpec("missing", __name__ + ":NoSuchLearner", "names nothing"))
        register(LearnerSpec("unimportable", "no_such_module_here:Learner", "imports nothing"))

    @hookimpl
    def register_llm_backends(register):
        register(LLMBackendSpec("lazy-replay", "rlgpt.llm.replay:ReplayLLM", "the replay backend, by string"))
"""


def test_string_factories_resolve_on_first_use_and_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = write_module(tmp_path, monkeypatch, LAZY_PLUGIN)
    registry = build_registry(environ={"RLGPT_DISABLE_PLUGIN_AUTOLOAD": "1"}, builtins=(name,))
    assert not registry.errors
    learner = registry.learner("counter").factory(
        Corridor, seed=0, n_envs=1, checkpoint_dir=tmp_path, action=0
    )
    learner.learn(5)
    assert learner.steps == 5 and type(learner).__name__ == "StepCounter"
    llm = build_llm(
        registry.llm_backend("lazy-replay"), "reference", {"transcript": TRANSCRIPT}, cache_path=None
    )
    assert (llm.backend, llm.model) == ("replay", "reference")


def test_option_checks_read_the_resolved_signature() -> None:
    spec = LLMBackendSpec("lazy-replay", "rlgpt.llm.replay:ReplayLLM", "by string")
    with pytest.raises(ValueError, match=r"has no option 'transcrpt'.*did you mean 'transcript'"):
        build_llm(spec, "reference", {"transcrpt": TRANSCRIPT}, cache_path=None)


def test_a_bad_string_is_one_line_at_first_use_naming_plugin_and_string(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = write_module(tmp_path, monkeypatch, LAZY_PLUGIN)
    registry = build_registry(environ={"RLGPT_DISABLE_PLUGIN_AUTOLOAD": "1"}, builtins=(name,))
    assert not registry.errors and {"missing", "unimportable"} <= set(registry.learners)
    for learner, why in (("missing", "AttributeError"), ("unimportable", "ModuleNotFoundError")):
        with pytest.raises(PluginError) as excinfo:
            registry.learner(learner).factory(Corridor, seed=0, n_envs=1, checkpoint_dir=tmp_path)
        message = str(excinfo.value)
        assert message.startswith(f"learner {learner!r} of plugin 'rlgpt ") and why in message
        assert repr(registry.learner(learner).factory.path) in message and "\n" not in message


def test_a_string_factory_pickles_unresolved_and_compares_by_string() -> None:
    spec = AgentSpec("lazy", "rlgpt.llm.replay:ReplayLLM", "by string")
    spec.factory.resolve()
    copy = pickle.loads(pickle.dumps(spec))
    assert copy == spec and copy.factory._target is None
    assert spec != AgentSpec("lazy", "rlgpt.llm.replay:BACKEND", "by string")


TASK_PLUGIN = """
    from rlgpt import TaskSpec, hookimpl

    @hookimpl
    def register_tasks(register):
        register("gridcraft", TaskSpec({task_id!r}, "Collect wood twice over.", lambda info: True, 60))
"""


def test_a_plugin_adds_a_task_to_an_installed_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = write_module(tmp_path, monkeypatch, TASK_PLUGIN.format(task_id="double_wood"))
    registry = build_registry(environ=ONLY_TESTENV, builtins=(name,))
    assert not registry.errors
    gridcraft = registry.environment("gridcraft")
    assert gridcraft.tasks[-1].id == "double_wood" and gridcraft.task("double_wood").max_episode_steps == 60
    assert registry.task_provenance[("gridcraft", "double_wood")].name == name


def test_a_task_id_the_environment_has_is_an_error_naming_both_plugins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = write_module(tmp_path, monkeypatch, TASK_PLUGIN.format(task_id="collect_wood"))
    with pytest.raises(
        DuplicatePluginError, match=r"task 'collect_wood' of environment 'gridcraft' .*rlgpt-testenv"
    ):
        build_registry(environ=ONLY_TESTENV, builtins=(name,))


def test_two_plugins_adding_one_task_id_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = write_module(tmp_path, monkeypatch, TASK_PLUGIN.format(task_id="double_wood"), "_a")
    second = write_module(tmp_path, monkeypatch, TASK_PLUGIN.format(task_id="double_wood"), "_b")
    with pytest.raises(DuplicatePluginError, match=r"registered by both 'rlgpt .*' and 'rlgpt .*'"):
        build_registry(environ=ONLY_TESTENV, builtins=(first, second))


def test_a_task_for_an_unknown_environment_is_recorded_against_its_plugin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = TASK_PLUGIN.format(task_id="double_wood").replace('"gridcraft"', '"gridcraf"')
    name = write_module(tmp_path, monkeypatch, source)
    registry = build_registry(environ=ONLY_TESTENV, builtins=(name,))
    [error] = registry.errors
    assert error.entry_point == name and "unknown environment 'gridcraf'" in error.message
    assert "did you mean 'gridcraft'" in error.message
    assert "double_wood" not in [task.id for task in registry.environment("gridcraft").tasks]
