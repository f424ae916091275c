"""load_policy: a trained learner's checkpoint acts the same without a training env."""

from __future__ import annotations

import numpy as np
from rlgpt import PluginSelection
from rlgpt.testing import Corridor


def test_loaded_policy_matches_the_learner(tmp_path):
    spec = PluginSelection().registry().learner("ppo")
    learner = spec.factory(Corridor, seed=0, checkpoint_dir=tmp_path)
    result = learner.learn(512)
    predict = spec.load_policy(result.checkpoint)
    env = Corridor()
    for seed in range(5):
        obs, _ = env.reset(seed=seed)
        action = predict(obs)
        assert isinstance(action, int)
        assert action == learner.predict(obs)
    np.testing.assert_equal(predict(obs), learner.predict(obs))
