"""Test helpers for plugin authors: contract kits to subclass, and network helpers.

``EnvironmentContract`` (environments), ``LLMBackendContract`` (LLM backends) and
``LearnerContract`` (RL learners), with the learner kit's tiny environments (``Corridor``,
``Reach``, ``FixedEpisodes``). Each kit is a pytest class: subclass it as
``Test<Something>``, set the name of what your plugin registers, and pytest runs
the contract against it. Overriding a contract test needs
``@pytest.mark.xfail(reason=...)`` (see :mod:`rlgpt.testing.guard`).

For plugins that talk to servers, :mod:`rlgpt.testing.network` keeps tests off the
network (``refuse_non_loopback``) and serves scripted HTTP on loopback (``LoopbackHTTPServer``).

For backends that constrain their output: ``plan_schema`` and ``critique_schema`` build the planner's
and critic's answer schemas (:class:`rlgpt.llm.JsonSchema`) that the loop sends.
"""

from __future__ import annotations

import importlib
from typing import Any

from rlgpt.testing.guard import Contract, ContractOverrideError

_LAZY = {
    "EnvironmentContract": "rlgpt.testing.environment",
    "LLMBackendContract": "rlgpt.testing.llm_backend",
    "LearnerContract": "rlgpt.testing.learner",
    "Corridor": "rlgpt.testing.learner",
    "FixedEpisodes": "rlgpt.testing.learner",
    "Reach": "rlgpt.testing.learner",
    "HTTPReply": "rlgpt.testing.network",
    "HTTPRequest": "rlgpt.testing.network",
    "LoopbackHTTPServer": "rlgpt.testing.network",
    "refuse_non_loopback": "rlgpt.testing.network",
    "plan_schema": "rlgpt.agents.schemas",
    "critique_schema": "rlgpt.agents.schemas",
}

__all__ = ["Contract", "ContractOverrideError", *_LAZY]


def __getattr__(name: str) -> Any:
    """Import a contract kit or network helper on first use (each pulls in its own dependencies)."""
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'rlgpt.testing' has no attribute {name!r}")
