"""Resolve ``"module:attribute"`` strings (entry points, env factories), and build environments from them."""

from __future__ import annotations

import difflib
import importlib
import inspect
from collections.abc import Callable, Iterable, Mapping
from typing import Any


def load_object(path: str) -> Any:
    """Import ``"package.module:attr.sub"`` and return the attribute."""
    module_name, _, attr_path = path.partition(":")
    if not attr_path:
        raise ValueError(f"expected 'module:attribute', got {path!r}")
    obj: Any = importlib.import_module(module_name)
    for part in attr_path.split("."):
        obj = getattr(obj, part)
    return obj


def build_env(entry_point: str, kwargs: Mapping[str, Any]) -> Any:
    """Build an environment through its ``"module:callable"`` factory: the one way every part of
    rlgpt (specs, plan runtimes, dry-run and training processes) makes an environment."""
    return load_object(entry_point)(**kwargs)


def keyword_names(factory: Callable[..., Any]) -> list[str] | None:
    """The keyword arguments ``factory`` takes, or ``None`` when it takes any (``**kwargs``, no signature)."""
    try:
        parameters = inspect.signature(factory).parameters.values()
    except (TypeError, ValueError):  # a builtin without a signature: the factory checks its own keywords
        return None
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
        return None
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return [p.name for p in parameters if p.kind in kinds]


def unknown_keyword(owner: str, name: str, accepted: Iterable[str]) -> str:
    """``"<owner> has no option 'x' (options: a, b) - did you mean 'a'?"``."""
    accepted = list(accepted)
    hint = difflib.get_close_matches(name, accepted, n=1)
    return f"{owner} has no option {name!r} (options: {', '.join(accepted) or 'none'})" + (
        f" - did you mean {hint[0]!r}?" if hint else ""
    )


class LazyCallable:
    """A ``"module:callable"`` factory of a registered spec, imported on its first call.

    Calls and signature look-ups (``inspect.signature``, option checks) resolve it; an import
    that fails, or an attribute that is missing or not callable, is a one-line
    :class:`~rlgpt.plugins.PluginError` naming the plugin, the spec and the string.

    :param path: the ``"module:callable"`` string.
    :param owner: how messages name the spec (``learner 'ppo'``).
    """

    def __init__(self, path: str, owner: str) -> None:
        self.path = path
        self.owner = owner
        self.plugin: str | None = None
        """The plugin that registered the spec (set when it is registered)."""
        self._target: Callable[..., Any] | None = None

    def resolve(self) -> Callable[..., Any]:
        """The callable ``path`` names, imported once."""
        if self._target is None:
            try:
                target = load_object(self.path)
            except (ImportError, AttributeError, ValueError) as exc:
                raise self._error(f"{type(exc).__name__}: {exc}") from exc
            if not callable(target):
                raise self._error(f"{type(target).__name__} is not callable")
            self._target = target
        return self._target

    def _error(self, why: str) -> Exception:
        from rlgpt.plugins import PluginError

        plugin = f" of plugin {self.plugin!r}" if self.plugin else ""
        return PluginError(f"{self.owner}{plugin}: cannot load factory {self.path!r} ({why})")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.resolve()(*args, **kwargs)

    @property
    def __signature__(self) -> inspect.Signature:
        return inspect.signature(self.resolve())

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_target": None}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LazyCallable) and other.path == self.path

    def __hash__(self) -> int:
        return hash(self.path)

    def __repr__(self) -> str:
        return f"LazyCallable({self.path!r})"
