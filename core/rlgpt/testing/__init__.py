"""Contract test kits that plugin authors subclass in their own tests.

``EnvironmentContract`` (environments), ``LLMBackendContract`` (LLM backends) and
``LearnerContract`` (RL learners). Each kit is a pytest class: subclass it as
``Test<Something>``, set the name of what your plugin registers, and pytest runs
the contract against it. Overriding a contract test needs
``@pytest.mark.xfail(reason=...)`` (see :mod:`rlgpt.testing.guard`).
"""

from __future__ import annotations

import importlib
from typing import Any

from rlgpt.testing.guard import Contract, ContractOverrideError

_KITS = {
    "EnvironmentContract": "rlgpt.testing.environment",
    "LLMBackendContract": "rlgpt.testing.llm_backend",
    "LearnerContract": "rlgpt.testing.learner",
}

__all__ = ["Contract", "ContractOverrideError", *_KITS]


def __getattr__(name: str) -> Any:
    """Import a contract kit on first use (each kit pulls in its own dependencies)."""
    if name in _KITS:
        return getattr(importlib.import_module(_KITS[name]), name)
    raise AttributeError(f"module 'rlgpt.testing' has no attribute {name!r}")
