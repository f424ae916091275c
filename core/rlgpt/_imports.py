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
