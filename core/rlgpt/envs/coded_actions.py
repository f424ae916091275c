"""CodedActions: generated programs enter the RL action space as macro actions.

Discrete environments: the action space becomes ``Discrete(len(kept primitives) +
len(coded actions))``. Choosing a coded action runs its program as one macro
step: it acts through the skill API (each primitive is a real step of the wrapped
env), rewards are summed, and ``info`` reports ``macro`` (its name),
``macro_steps`` (primitive steps used, including any ``reset_steps`` reported
below), ``macro_applied`` (whether it did
anything) and ``macro_error`` (a message when it failed).

A coded action may come with a precondition (``can_<name>(api) -> bool`` written
beside it, over a read-only skill API): :meth:`CodedActions.action_masks` turns the
preconditions into the action mask sb3-contrib's ``MaskablePPO`` expects, and a
masked coded action that is chosen anyway does not run (``info["macro_masked"]``).

Continuous environments (``Box``): coded actions become parameterised primitives.
The action vector is ``[primitive dims..., one selector per choice]`` where the
choices are "primitive" followed by each coded action; the highest selector
wins, and a chosen coded action is called as ``program(api, params)`` with the
primitive dims as its parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import gymnasium as gym
import numpy as np

from rlgpt.skills import Actuator, ReadOnlySkills, SkillAPI, observer, run_program

Program = Callable[..., Any]

RESET_STEPS = "reset_steps"
"""Info key: primitive steps a wrapper below took during ``reset`` (reported once, on the
first step after it) so that learners counting ``macro_steps`` charge them to the budget."""


class CodedActions(gym.Wrapper):
    """Augment an environment's action space with coded (macro) actions.

    :param env: the environment (its steps are primitive steps).
    :param skill_api: the environment's :class:`SkillAPI` class, instantiated per macro call.
    :param programs: coded action name -> callable taking the skill API (and, for
        continuous envs, a parameter vector). Callables should already enforce the
        wall-clock limit; the wrapper enforces the step budget.
    :param keep_primitives: indices of the primitive actions kept in the discrete
        space (default: all); a small space lets RL explore the coded actions more.
    :param macro_step_budget: most primitive steps one macro call may take.
    :param max_idle_macros: consecutive macro calls that take no step before the
        episode is truncated with ``info["stuck"] = True`` (a policy that keeps
        choosing a macro that cannot apply must not spin forever).
    :param preconditions: coded action name -> ``applies(api) -> bool`` over a read-only
        skill API (discrete envs); an action whose precondition is false, or raises, is masked.
    """

    def __init__(
        self,
        env: gym.Env,
        skill_api: type[SkillAPI],
        programs: Mapping[str, Program],
        *,
        keep_primitives: Sequence[int] | None = None,
        macro_step_budget: int = 100,
        max_idle_macros: int = 8,
        preconditions: Mapping[str, Program] | None = None,
    ) -> None:
        super().__init__(env)
        unknown = sorted(set(preconditions or {}) - set(programs))
        if unknown:
            raise ValueError(f"preconditions {unknown} name no coded action; actions: {list(programs)}")
        self._preconditions = tuple((preconditions or {}).get(name) for name in programs)
        self._skill_api = skill_api
        self.macro_names = tuple(programs)
        self._programs = tuple(programs.values())
        self._budget = macro_step_budget
        self._max_idle = max_idle_macros
        self._idle = 0
        self._obs: Any = None
        self._info: dict[str, Any] = {}
        base = env.action_space
        if isinstance(base, gym.spaces.Discrete):
            self.continuous = False
            kept = list(range(int(base.n))) if keep_primitives is None else [int(i) for i in keep_primitives]
            bad = [i for i in kept if not 0 <= i < base.n]
            if bad:
                raise ValueError(f"keep_primitives {bad} outside the env's {base.n} primitive actions")
            self.kept_primitives = tuple(kept)
            self.action_space = gym.spaces.Discrete(len(kept) + len(self._programs))
        elif isinstance(base, gym.spaces.Box) and len(base.shape) == 1:
            self.continuous = True
            self.kept_primitives = ()
            n_select = 1 + len(self._programs)
            low = np.concatenate([base.low, -np.ones(n_select)]).astype(np.float32)
            high = np.concatenate([base.high, np.ones(n_select)]).astype(np.float32)
            self.action_space = gym.spaces.Box(low, high, dtype=np.float32)
        else:
            raise TypeError(f"CodedActions supports Discrete and 1-D Box action spaces, not {base}")
        if self.continuous and preconditions:
            raise ValueError("preconditions (action masks) need a Discrete action space")

    @property
    def masked(self) -> bool:
        """True when some coded action has a precondition, so :meth:`action_masks` can rule it out."""
        return any(p is not None for p in self._preconditions)

    def action_masks(self) -> np.ndarray:
        """Which actions may be chosen now (primitives always; a coded action when its precondition holds).

        Never all false: with nothing applicable every action is allowed (the episode must go on).
        """
        if self.continuous:
            raise TypeError("action masks need a Discrete action space")
        mask = np.ones(int(self.action_space.n), dtype=bool)
        offset = len(self.kept_primitives)
        for index, applies in enumerate(self._preconditions):
            mask[offset + index] = applies is None or self._applies(applies)
        return mask if mask.any() else np.ones_like(mask)

    def _applies(self, precondition: Program) -> bool:
        try:
            return bool(precondition(observer(self._skill_api, self._obs, self._info)))
        except (Exception, ReadOnlySkills):  # a broken precondition (or one that acts) rules its action out
            return False

    def reset(self, **kwargs: Any):
        obs, info = self.env.reset(**kwargs)
        self.attach(obs, info)
        return obs, info

    def attach(self, obs: Any, info: dict[str, Any]) -> None:
        """Continue from a state reached without :meth:`reset` (a policy taking over mid-episode)."""
        self._obs, self._info, self._idle = obs, info, 0

    def step(self, action: Any):
        choice, primitive, params = self._decode(action)
        if choice is None:
            obs, reward, terminated, truncated, info = self.env.step(primitive)
            self._obs, self._info, self._idle = obs, info, 0
            info.update(macro=None, macro_steps=1 + int(info.get(RESET_STEPS, 0)), macro_applied=True)
            return obs, reward, terminated, truncated, info
        return self._run_macro(choice, params)

    def _decode(self, action: Any) -> tuple[int | None, Any, Any]:
        if not self.continuous:
            index = int(action)
            if index < len(self.kept_primitives):
                return None, self.kept_primitives[index], None
            return index - len(self.kept_primitives), None, None
        vector = np.asarray(action, dtype=np.float32)
        n_prim = self.env.action_space.shape[0]
        params = np.clip(vector[:n_prim], self.env.action_space.low, self.env.action_space.high)
        selected = int(np.argmax(vector[n_prim:]))
        return (None, params, None) if selected == 0 else (selected - 1, None, params)

    def _run_macro(self, index: int, params: Any):
        precondition = self._preconditions[index] if not self.continuous else None
        if precondition is not None and not self._applies(precondition):
            return self._masked_choice(index)
        reset_steps = 0

        def counted_step(action: Any):
            nonlocal reset_steps
            result = self.env.step(action)
            reset_steps += int(result[4].get(RESET_STEPS, 0))
            return result

        actuator = Actuator(step=counted_step, obs=self._obs, info=self._info, budget=self._budget)
        args = () if params is None else (params,)
        # generated code that fails ends the macro; the episode goes on
        result, error = run_program(self._programs[index], self._skill_api(actuator), *args)
        self._obs, self._info = actuator.obs, dict(actuator.info)
        applied = actuator.steps > 0 and result is not False and error is None
        self._idle = 0 if actuator.steps > 0 else self._idle + 1
        stuck = self._idle >= self._max_idle
        info = {
            **self._info,
            "macro": self.macro_names[index],
            "macro_steps": actuator.steps + reset_steps,
            "macro_applied": applied,
        }
        if error:
            info["macro_error"] = error
        if stuck:
            info["stuck"] = True
        truncated = actuator.truncated or (stuck and not actuator.terminated)
        return self._obs, actuator.reward, actuator.terminated, truncated, info

    def _masked_choice(self, index: int):
        """A chosen coded action whose precondition is false: no step, counted as idle."""
        self._idle += 1
        stuck = self._idle >= self._max_idle
        info = {**self._info, "macro": self.macro_names[index], "macro_steps": 0, "macro_applied": False}
        info["macro_masked"] = True
        if stuck:
            info["stuck"] = True
        return self._obs, 0.0, False, stuck, info

    def choice_name(self, action: Any, primitive_names: Sequence[str] | None = None) -> str:
        """What ``action`` chooses: the coded action's name, ``primitive`` in a continuous space, and
        a kept primitive of a discrete space as :meth:`action_names` names it (``primitive:<i>``), or
        as ``primitive_names[i]`` when the environment's primitive names are given."""
        choice, primitive, _ = self._decode(action)
        if choice is not None:
            return self.macro_names[choice]
        if self.continuous:
            return "primitive"
        return primitive_names[primitive] if primitive_names is not None else f"primitive:{primitive}"

    def action_names(self) -> list[str]:
        """Human-readable name of each action index (primitive indices as ``primitive:<i>``)."""
        if self.continuous:
            return ["primitive", *self.macro_names]
        return [f"primitive:{i}" for i in self.kept_primitives] + list(self.macro_names)
