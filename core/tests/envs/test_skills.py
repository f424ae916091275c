"""The skill API base: what generated code sees, and the doc the coder reads."""

from __future__ import annotations

import numpy as np
import pytest
from rlgpt import Actuator, SkillAPI
from rlgpt.skills import ReadOnlySkills, render_skill_doc, undocumented_skills
from rlgpt_testenv.skills import GridcraftSkills


def test_code_cannot_change_the_observation_or_info_it_reads():
    obs = np.zeros(3, dtype=np.float32)
    api = SkillAPI(Actuator(step=None, obs=obs, info={"hp": 9}, read_only=True))
    with pytest.raises(ValueError, match="read-only"):
        api.obs[0] = 1.0
    with pytest.raises(TypeError):
        api.info["hp"] = 0
    assert obs[0] == 0.0


def test_read_only_skills_refuse_to_act():
    api = SkillAPI(Actuator(step=None, obs=None, info={}, read_only=True))
    with pytest.raises(ReadOnlySkills):
        api.act(0)


def test_skill_doc_lists_every_public_skill_with_its_docstring():
    doc = render_skill_doc(GridcraftSkills)
    assert "api.move(direction: str) -> None\n    " in doc
    assert "Turn 2 planks into a house" in doc
    assert "api.episode_over\n" in doc and "_actuator" not in doc and "class " not in doc
    assert undocumented_skills(GridcraftSkills) == []

    class Sloppy(SkillAPI):
        def jump(self):
            pass

    assert undocumented_skills(Sloppy) == ["jump"]
