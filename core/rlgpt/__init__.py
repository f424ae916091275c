"""rlgpt: LLM planners and coders share embodied tasks with reinforcement learning.

The public API for plugin authors: :data:`hookimpl` and the spec types. The
core meets plugins only through the hooks in :mod:`rlgpt.hookspecs`.
"""

from rlgpt.hookspecs import hookimpl
from rlgpt.learning import EpisodePoint, Learner, TrainingResult
from rlgpt.llm.types import (
    LLM,
    Completion,
    Image,
    LLMError,
    Message,
    Request,
    SamplingParams,
    TransientLLMError,
    Usage,
)
from rlgpt.skills import Actuator, SkillAPI
from rlgpt.specs import AgentSpec, EnvironmentSpec, LearnerSpec, LLMBackendSpec, TaskSpec

__version__ = "0.1.0"

__all__ = [
    "LLM",
    "Actuator",
    "AgentSpec",
    "Completion",
    "EnvironmentSpec",
    "EpisodePoint",
    "Image",
    "LLMBackendSpec",
    "LLMError",
    "Learner",
    "LearnerSpec",
    "Message",
    "Request",
    "SamplingParams",
    "SkillAPI",
    "TaskSpec",
    "TrainingResult",
    "TransientLLMError",
    "Usage",
    "__version__",
    "hookimpl",
]
