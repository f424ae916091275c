"""The configuration reference, ``docs/config.md``, generated from the run config models.

Every key of :class:`~rlgpt.config.RunConfig` and of each config model nested in it is listed
with its TOML type, default, bounds and its field's ``description``. Regenerate the file with::

    python -m rlgpt.config_doc > docs/config.md

A test regenerates it and compares, so the reference cannot drift from the code.
"""

from __future__ import annotations

import inspect
import re
import sys
import types
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from rlgpt.config import RunConfig

TOP_LEVEL = "top level"
"""The heading of the keys outside any table."""

INTRO = """\
# Run configuration reference

A run is configured by one TOML file (see `examples/`); `--set KEY=VALUE` overrides any key, dotted
for tables (`--set learner.total_timesteps=5000`, `--set evaluation.deterministic=false`).
`rlgpt check CONFIG [--set ...]` validates a config (its keys, bounds and the installed plugins'
names, options and hyperparameters) without running anything. Switching `llm.backend` or
`learner.name` with `--set` drops the `llm.options` or `learner.hyperparameters` written for the
old one (a note names them); those given with `--set` are kept.

This file is generated from the field descriptions of `rlgpt.config`:
`python -m rlgpt.config_doc > docs/config.md` (a test checks that it is current).
"""


def sections(model: type[BaseModel] = RunConfig, prefix: str = "") -> dict[type[BaseModel], list[str]]:
    """Each config model under ``model`` (itself first) -> the TOML tables it is, in field order."""
    found: dict[type[BaseModel], list[str]] = {model: [prefix or TOP_LEVEL]}
    for name, field in model.model_fields.items():
        nested = nested_model(field)
        if nested is None:
            continue
        for child, tables in sections(nested, f"{prefix}.{name}" if prefix else name).items():
            found.setdefault(child, []).extend(t for t in tables if t not in found.get(child, []))
    return found


def nested_model(field: FieldInfo) -> type[BaseModel] | None:
    """The config model a field holds (``X`` or ``X | None``), or ``None`` for a plain value."""
    for candidate in (field.annotation, *get_args(field.annotation)):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def type_name(annotation: Any) -> str:
    """A field's type as a config writer reads it: TOML words, ``X or unset`` for optional keys."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        names = [type_name(arg) for arg in get_args(annotation) if arg is not type(None)]
        unset = " or unset" if type(None) in get_args(annotation) else ""
        return " or ".join(names) + unset
    if origin is Literal:
        return " or ".join(f'`"{value}"`' for value in get_args(annotation))
    if origin is dict or (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
        return "table"
    return {str: "string", int: "integer", float: "float", bool: "boolean", Path: "path"}.get(
        annotation, str(annotation)
    )


def default_text(field: FieldInfo) -> str:
    """A field's default in TOML spelling; ``required`` when it has none."""
    if field.is_required():
        return "required"
    value = field.get_default(call_default_factory=True)
    if value is None:
        return "unset"
    if isinstance(value, BaseModel):
        return "(table)"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, str | Path):
        return f'`"{value}"`'
    return f"`{value}`"


def bounds_text(field: FieldInfo) -> str:
    """A field's numeric bounds (``>= 1``, ``> 0``), ``-`` when it has none."""
    symbols = {Ge: (">=", "ge"), Gt: (">", "gt"), Le: ("<=", "le"), Lt: ("<", "lt")}
    found = [
        f"{symbol} {getattr(item, attribute)}"
        for item in field.metadata
        for kind, (symbol, attribute) in symbols.items()
        if isinstance(item, kind)
    ]
    return ", ".join(found) or "-"


def missing_descriptions(model: type[BaseModel] = RunConfig) -> list[str]:
    """``Model.field`` of every config field without a description (the reference needs one each)."""
    return [
        f"{each.__name__}.{name}"
        for each in sections(model)
        for name, field in each.model_fields.items()
        if not field.description
    ]


def _markdown(docstring: str) -> str:
    """A docstring in Markdown: ``code`` and Sphinx roles as code spans."""
    text = re.sub(r":[a-z]+:`~?([^`]+)`", r"`\1`", inspect.cleandoc(docstring))
    return text.replace("``", "`")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render() -> str:
    """The whole ``docs/config.md``."""
    missing = missing_descriptions()
    if missing:
        raise ValueError(f"config fields without a description: {', '.join(missing)}; add description=")
    lines = [INTRO]
    for model, tables in sections().items():
        heading = ", ".join(t if t == TOP_LEVEL else f"`[{t}]`" for t in tables)
        lines += [f"## {heading}", "", _markdown(model.__doc__ or ""), ""]
        lines += ["| key | type | default | bounds | description |", "|---|---|---|---|---|"]
        for name, field in model.model_fields.items():
            cells = (
                f"`{name}`",
                type_name(field.annotation),
                default_text(field),
                bounds_text(field),
                field.description or "",
            )
            lines.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
        lines.append("")
    return "\n".join(lines)


def main() -> int:
    """Print the reference (``python -m rlgpt.config_doc > docs/config.md``)."""
    sys.stdout.write(render())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
