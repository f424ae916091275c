"""The skill API: the only surface generated code may touch.

An environment plugin subclasses :class:`SkillAPI`. Its public methods are the
functions LLM-written code may call: primitive actions (which go through
:meth:`SkillAPI.act`, one environment step each) and perception helpers (which
read :attr:`SkillAPI.obs` and :attr:`SkillAPI.info`, i.e. only what the agent
sees). Every public method needs a docstring: :func:`render_skill_doc` puts
them into the fast agent's prompt.

Generated code never holds the environment's own objects: :attr:`SkillAPI.obs`,
:attr:`SkillAPI.info` and what :meth:`SkillAPI.act` returns are
:func:`read_only_view` copies, whichever process the code runs in, so nothing
it writes can change the environment or what the task's success is judged on.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable, Mapping, Set
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from rlgpt.textbound import bound_text

__all__ = [
    "Actuator",
    "EpisodeOver",
    "SkillAPI",
    "StepBudgetExceeded",
    "observer",
    "read_only_view",
    "render_skill_doc",
    "skill_names",
    "undocumented_skills",
]

StepResult = tuple[Any, float, bool, bool, dict[str, Any]]
_IMMUTABLE = (str, bytes, int, float, complex, bool, type(None), np.generic, range)


class StepBudgetExceeded(BaseException):
    """A coded action used more primitive steps than its budget allows.

    This and the two exceptions below derive from :class:`BaseException` so that
    ``except Exception`` in generated code cannot swallow them.
    """


class EpisodeOver(BaseException):
    """A coded action tried to act after the episode terminated or was truncated."""


class ReadOnlySkills(BaseException):
    """Code that may only observe (a done condition, a shaped reward) tried to act."""


@dataclass
class Actuator:
    """Steps an environment on behalf of generated code and keeps the books.

    :param step: the environment's ``step`` function.
    :param obs: the current observation.
    :param info: the current ``info`` dict.
    :param budget: maximum primitive steps for this call (``None``: unlimited).
    :param read_only: when true, any :meth:`act` raises :class:`ReadOnlySkills`.
    """

    step: Callable[[Any], StepResult] | None
    obs: Any
    info: Mapping[str, Any]
    budget: int | None = None
    read_only: bool = False
    steps: int = 0
    reward: float = 0.0
    terminated: bool = False
    truncated: bool = False
    rewards: list[float] = field(default_factory=list)

    def act(self, action: Any) -> StepResult:
        """Take one primitive step; update observation, info and the running totals."""
        if self.read_only or self.step is None:
            raise ReadOnlySkills("this code may only observe; it must not call actions")
        if self.terminated or self.truncated:
            raise EpisodeOver("the episode is over; the coded action must return")
        if self.budget is not None and self.steps >= self.budget:
            raise StepBudgetExceeded(f"coded action exceeded its budget of {self.budget} primitive steps")
        obs, reward, terminated, truncated, info = self.step(action)
        self.steps += 1
        self.reward += float(reward)
        self.rewards.append(float(reward))
        self.obs, self.info = obs, info
        self.terminated, self.truncated = bool(terminated), bool(truncated)
        return obs, reward, terminated, truncated, info


class SkillAPI:
    """Base class of an environment's skill API.

    Subclasses add public methods. Primitive actions call ``self.act(action)``;
    perception helpers read ``self.obs`` and ``self.info``. Methods must not
    reach into the simulator's hidden state.
    """

    def __init__(self, actuator: Actuator) -> None:
        self._actuator = actuator
        self._read_only_views: dict[str, tuple[Any, Any]] = {}

    @property
    def obs(self) -> Any:
        """The current observation (what the agent sees): a read-only copy (:func:`read_only_view`)."""
        return self._read_only_view("obs", self._actuator.obs)

    @property
    def info(self) -> Mapping[str, Any]:
        """The current step's ``info``: a read-only copy, nested values included (:func:`read_only_view`)."""
        return self._read_only_view("info", self._actuator.info)

    def act(self, action: Any) -> StepResult:
        """Take one primitive action; returns ``(obs, reward, terminated, truncated, info)``, read-only."""
        _, reward, terminated, truncated, _ = self._actuator.act(action)
        return self.obs, reward, terminated, truncated, self.info

    def _read_only_view(self, key: str, value: Any) -> Any:
        """:func:`read_only_view` of ``value``, made once per object the actuator holds."""
        source, view = self._read_only_views.get(key, (None, None))
        if source is not value or view is None:
            view = read_only_view(value)
            self._read_only_views[key] = (value, view)
        return view

    @property
    def episode_over(self) -> bool:
        """True once the episode terminated or was truncated; code should return then."""
        return self._actuator.terminated or self._actuator.truncated


def actuator_of(api: SkillAPI) -> Actuator:
    """The actuator behind a skill API (for the host that runs code in another process)."""
    return api._actuator


def run_program(program: Callable[..., Any], api: SkillAPI, *args: Any) -> tuple[Any, str | None]:
    """Call ``program(api, *args)``; return ``(result, error message or None)``.

    Running out of step budget or reaching the end of the episode ends the call quietly
    (result ``None``); any exception of the program is returned as ``"Type: message"``.
    """
    try:
        return program(api, *args), None
    except (StepBudgetExceeded, EpisodeOver):
        return None, None
    except Exception as exc:  # generated code failed; the caller decides what that means
        return None, bound_text(f"{type(exc).__name__}: {exc}")


def observer(api_cls: type[SkillAPI], obs: Any, info: Mapping[str, Any]) -> SkillAPI:
    """A skill API that may only look at ``(obs, info)``: for done conditions and shaped rewards."""
    return api_cls(Actuator(step=None, obs=obs, info=info, read_only=True))


def read_only_view(value: Any) -> Any:
    """A copy of ``value`` that code can read but not change, nor use to change ``value``.

    Mappings become read-only mappings, lists and tuples tuples, sets frozensets, arrays read-only
    copies (over an immutable ``bytes`` buffer, so their write flag cannot be turned back on), all
    at every depth; numbers and strings stay as they are, and any other object is deep-copied (its
    ``repr`` when it cannot be).
    """
    if isinstance(value, _IMMUTABLE):
        return value
    if isinstance(value, np.ndarray):
        if value.dtype.hasobject:
            frozen = np.empty(value.shape, dtype=object)
            for index, item in enumerate(value.flat):
                frozen.flat[index] = read_only_view(item)
            frozen.flags.writeable = False
            return frozen
        return np.frombuffer(value.tobytes(), dtype=value.dtype).reshape(value.shape)
    if isinstance(value, Mapping):
        return MappingProxyType({key: read_only_view(item) for key, item in value.items()})
    if isinstance(value, list | tuple):
        return tuple(read_only_view(item) for item in value)
    if isinstance(value, Set):
        return frozenset(read_only_view(item) for item in value)
    try:
        return copy.deepcopy(value)
    except Exception:  # an object that cannot be copied is shown, never shared
        return repr(value)


def skill_names(api_cls: type[SkillAPI]) -> list[str]:
    """Names of the public functions and properties code may use, in definition order."""
    names: list[str] = []
    for klass in reversed(api_cls.__mro__):
        if klass is object:
            continue
        for name in vars(klass):
            if not name.startswith("_") and name not in names:
                names.append(name)
    return names


def undocumented_skills(api_cls: type[SkillAPI]) -> list[str]:
    """Public skills without a docstring (an environment contract violation)."""
    return [name for name in skill_names(api_cls) if not inspect.getdoc(getattr(api_cls, name))]


def render_skill_doc(api_cls: type[SkillAPI]) -> str:
    """Render the skill API for the coder's prompt: each skill as code calls it, with its whole docstring.

    ``api.move(direction: str) -> bool`` on one line, the docstring indented below it; the class
    docstring first. Not Python source, so a small model has no class to copy into its answer.
    """
    lines = []
    class_doc = inspect.getdoc(api_cls)
    if class_doc:
        lines += [class_doc, ""]
    for name in skill_names(api_cls):
        member = getattr(api_cls, name)
        lines.append(_call_head(name, member))
        lines.append(_indent(inspect.getdoc(member) or "", 4))
    return "\n".join(lines)


def render_skill_summary(api_cls: type[SkillAPI]) -> str:
    """The skill API in one line per skill, for short prompts: ``api.move(direction: str) -> bool  # ...``.

    Each line ends with the first sentence of the skill's docstring.
    """
    lines = []
    for name in skill_names(api_cls):
        member = getattr(api_cls, name)
        head = _call_head(name, member)
        paragraph = " ".join((inspect.getdoc(member) or "").split("\n\n")[0].split())
        sentence, dot, _ = paragraph.partition(". ")
        lines.append(f"{head}  # {sentence}{dot.strip()}")
    return "\n".join(lines)


def _call_head(name: str, member: Any) -> str:
    """``api.move(direction: str) -> bool`` for a method, ``api.obs`` for a property."""
    if isinstance(member, property):
        return f"api.{name}"
    return f"api.{name}" + _signature(member).replace("(self, ", "(", 1).replace("(self)", "()", 1)


def _signature(function: Any) -> str:
    """``(self, direction: str) -> None``: annotations as written, even when they are postponed strings."""
    signature = inspect.signature(function)

    def annotation(value: Any) -> str:
        return value if isinstance(value, str) else inspect.formatannotation(value)

    params = []
    for param in signature.parameters.values():
        text = param.name
        if param.annotation is not inspect.Parameter.empty:
            text += f": {annotation(param.annotation)}"
        if param.default is not inspect.Parameter.empty:
            text += f" = {param.default!r}"
        if param.kind is inspect.Parameter.VAR_POSITIONAL:
            text = "*" + text
        elif param.kind is inspect.Parameter.VAR_KEYWORD:
            text = "**" + text
        params.append(text)
    returns = signature.return_annotation
    suffix = "" if returns is inspect.Signature.empty else f" -> {annotation(returns)}"
    return f"({', '.join(params)}){suffix}"


def _indent(text: str, spaces: int) -> str:
    pad = " " * spaces
    return "\n".join(pad + line if line.strip() else "" for line in text.splitlines())
