"""The worked examples of docs/plugins.md run: an environment, a learner, an LLM backend and a
planner plugin, each taken from the page as written, solve a task together through the loop; the
environment and the learner pass their contracts."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pytest
from rlgpt import PluginSelection
from rlgpt.config import RunConfig
from rlgpt.loop import Loop
from rlgpt.testing import EnvironmentContract, LearnerContract

DOC = Path(__file__).resolve().parents[3] / "docs" / "plugins.md"
MODULES = ("rlgpt_line", "rlgpt_tabular", "rlgpt_canned", "rlgpt_terse")
PLAN = {
    "rationale": "Running right is easy to write; RL learns to use it.",
    "subtasks": [{"name": "walk", "description": "Reach the last cell.", "method": "rl",
                  "done_condition": "at the last cell", "primitives": ["left", "right"],
                  "coded_actions": [{"name": "run_right", "description": "step right up to 3 times"}]}],
}  # fmt: skip
CODE = """```python
def run_right(api):
    for _ in range(3):
        if api.at_end() or api.episode_over:
            return False
        api.right()
    return True


def done(api):
    return api.at_end()
```"""


def example_modules(doc: str) -> dict[str, str]:
    """``module name -> source`` of every ``# module: <name>`` code block of the worked examples."""
    section = doc[doc.index("## Worked examples") :]
    blocks = re.findall(r"```python\n# module: (\w+)\n(.*?)```", section, re.S)
    return dict(blocks)


@pytest.fixture(scope="module")
def examples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The examples written out as modules, importable here and in child processes."""
    folder = tmp_path_factory.mktemp("doc-examples")
    for name, source in example_modules(DOC.read_text()).items():
        (folder / f"{name}.py").write_text(source)
    sys.path.insert(0, str(folder))
    return folder


@pytest.fixture(scope="module")
def selection(examples: Path) -> PluginSelection:
    return PluginSelection(autoload=False).with_plugins(*MODULES)


def test_every_example_is_on_the_page() -> None:
    assert sorted(example_modules(DOC.read_text())) == sorted(MODULES)


def test_the_examples_solve_a_task_together(selection, examples, tmp_path, monkeypatch) -> None:
    path = os.pathsep.join(filter(None, [str(examples), os.environ.get("PYTHONPATH")]))
    monkeypatch.setenv("PYTHONPATH", path)
    registry = selection.registry()
    assert not registry.errors, [e.message for e in registry.errors]
    config = RunConfig.model_validate({
        "env": "line", "task": "reach_end", "agents": "slow+fast", "planner": "terse", "max_iterations": 1,
        "runs_dir": str(tmp_path / "runs"),
        "llm": {"backend": "canned", "model": "table", "cache": False,
                "options": {"answers": {"planner": json.dumps(PLAN), "coder": CODE}}},
        "learner": {"name": "q-table", "total_timesteps": 400},
        "evaluation": {"episodes": 5},
    })  # fmt: skip
    loop = Loop.from_config(config, registry, progress_bar=False)
    summary = loop.run()
    assert summary.status == "target_reached" and summary.final_success_rate == 1.0
    events = list(loop.run_dir.read_events())
    assert [e["subtask"] for e in events if e["kind"] == "trained"] == ["walk"]
    assert {e["tags"]["role"] for e in events if e["kind"] == "llm_call"} == {"planner", "coder"}


class TestLineContract(EnvironmentContract):
    """The example environment passes the environment contract."""

    env_name = "line"

    @pytest.fixture(autouse=True)
    def _plugins(self, selection: PluginSelection) -> None:
        type(self).plugins = selection


class TestTabularLearnerContract(LearnerContract):
    """The example learner, as written on the page, passes the learner contract."""

    learner_name = "q-table"
    action_space = "discrete"
    plugins = PluginSelection(autoload=False).with_plugins("rlgpt_tabular")

    @pytest.fixture(autouse=True, scope="class")
    @classmethod
    def _importable(cls, examples: Path) -> None:
        """The example modules are written out before the class's first learner is built."""
