"""rlgpt: LLM planners and coders share embodied tasks with reinforcement learning.

This module is the public API for plugin authors: everything an environment, a learner,
an LLM backend, an agent or a method plugin implements or receives. The other public
modules are :mod:`rlgpt.llm` (helpers for LLM backend authors), :mod:`rlgpt.skills`
(the skill API and its documentation helpers), :mod:`rlgpt.envs` (the Gymnasium
wrappers that run generated code), :mod:`rlgpt.hookspecs` (the hook specifications) and
:mod:`rlgpt.testing` (contract kits). Everything else is internal and may change; a test
keeps the repository's own plugins to these names (docs/plugins.md, "The public API").
"""

from rlgpt.agents.base import (
    Agents,
    Coder,
    CodeRequest,
    Critic,
    CritiqueContext,
    IterationFeedback,
    MalformedAnswer,
    Planner,
    PlanningContext,
    Tags,
)
from rlgpt.agents.schemas import CodedActionSpec, Critique, Plan, Subtask, SubtaskVerdict
from rlgpt.hookspecs import hookimpl
from rlgpt.learning import EpisodePoint, Learner, ProgressCallback, TrainingResult
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
from rlgpt.methods import Method
from rlgpt.plugins import PluginSelection, Registry
from rlgpt.skills import Actuator, SkillAPI
from rlgpt.specs import AgentSpec, AgentStructure, EnvironmentSpec, LearnerSpec, LLMBackendSpec, TaskSpec

__version__ = "0.1.0"

__all__ = [
    "LLM",
    "Actuator",
    "AgentSpec",
    "AgentStructure",
    "Agents",
    "CodeRequest",
    "CodedActionSpec",
    "Coder",
    "Completion",
    "Critic",
    "Critique",
    "CritiqueContext",
    "EnvironmentSpec",
    "EpisodePoint",
    "Image",
    "IterationFeedback",
    "LLMBackendSpec",
    "LLMError",
    "Learner",
    "LearnerSpec",
    "MalformedAnswer",
    "Message",
    "Method",
    "Plan",
    "Planner",
    "PlanningContext",
    "PluginSelection",
    "ProgressCallback",
    "Registry",
    "Request",
    "SamplingParams",
    "SkillAPI",
    "Subtask",
    "SubtaskVerdict",
    "Tags",
    "TaskSpec",
    "TrainingResult",
    "TransientLLMError",
    "Usage",
    "__version__",
    "hookimpl",
]
