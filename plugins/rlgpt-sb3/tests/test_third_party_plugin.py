"""A third party's SB3-based learner plugin is a few lines: here sb3-contrib's TRPO, defined in this
file between the markers, passes the core's learner contract."""

from __future__ import annotations

from pathlib import Path

# --- plugin ---
import rlgpt
from rlgpt_sb3 import sb3_learner


@rlgpt.hookimpl
def register_learners(register):
    register(sb3_learner("trpo", "sb3_contrib:TRPO", action_spaces="discrete", defaults={"n_steps": 256}))


# --- end of plugin ---

from rlgpt import PluginSelection  # noqa: E402 - the plugin above stands alone
from rlgpt.testing import LearnerContract  # noqa: E402


class TestTRPOContract(LearnerContract):
    """The plugin's learner, looked up in a registry of this module alone."""

    learner_name = "trpo"
    action_space = "discrete"
    plugins = PluginSelection(autoload=False).with_plugins(__name__)


def test_the_plugin_is_under_15_lines() -> None:
    source = Path(__file__).read_text()
    plugin = source[source.index("# --- plugin ---") : source.index("# --- end of plugin ---")]
    lines = [line for line in plugin.splitlines()[1:] if line.strip()]
    assert 0 < len(lines) < 15, lines
