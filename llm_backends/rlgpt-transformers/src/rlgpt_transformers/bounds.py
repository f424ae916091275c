"""Length bounds that let a grammar-constrained local model finish its answer.

A JSON Schema whose strings have no length limit cannot force an answer to end: a small model that
keeps writing one string runs into ``max_tokens`` and the answer is cut off (unusable). Local decoders
therefore add ``maxLength`` to every free-text string before compiling the schema into a grammar. Hosted
APIs get the schema as the caller wrote it.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

MAX_STRING_CHARS = 400
"""Longest free-text string (a rationale, a description) a local model may write in a JSON answer."""


def bounded_schema(schema: Mapping[str, Any], max_length: int = MAX_STRING_CHARS) -> dict[str, Any]:
    """A copy of ``schema`` where every string with no ``enum``, ``const``, ``pattern`` or
    ``maxLength`` gets ``maxLength = max_length``."""
    bounded = copy.deepcopy(dict(schema))
    _bound(bounded, max_length)
    return bounded


def _bound(node: Any, max_length: int) -> None:
    if isinstance(node, list):
        for item in node:
            _bound(item, max_length)
        return
    if not isinstance(node, dict):
        return
    free_text = node.get("type") == "string" and not {"enum", "const", "pattern", "maxLength"} & node.keys()
    if free_text:
        node["maxLength"] = max_length
    for value in node.values():
        _bound(value, max_length)
