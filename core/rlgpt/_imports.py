"""Resolve ``"module:attribute"`` strings (entry points, env factories), and build environments from them."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
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
