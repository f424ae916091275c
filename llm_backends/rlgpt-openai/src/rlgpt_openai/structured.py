"""How an OpenAI-compatible server is asked to constrain an answer, and finding out what it accepts.

Servers differ: OpenAI, vLLM and llama.cpp's ``llama-server`` take ``response_format`` of type
``json_schema``; llama-cpp-python's server refuses that type (HTTP 500, its request validation) but
compiles ``{"type": "json_object", "schema": ...}`` into a grammar, and llama.cpp servers take a GBNF
``grammar`` field, which other servers ignore. The option ``structured_output`` names one way
(:data:`MODES`), or ``"auto"``: probe the server once per base URL and process with a tiny request
per way, strongest first, and use what it enforces. A probe passes only when the answer is the one
document its constraint allows, so a server that ignores a field is not taken to enforce it.
"""

from __future__ import annotations

import json
import threading
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import openai
from rlgpt.llm import JsonSchema, OutputFormat, PythonBlock, one_line

from rlgpt_openai.gbnf import json_schema_grammar

MODES = ("auto", "json_schema", "json_object", "grammar", "none")
"""Values of ``structured_output``: detect, one way of sending a JSON Schema, or no constraint."""

JSON_WAYS = ("json_schema", "json_object", "grammar")
"""Ways of constraining a JSON answer, strongest (most widely meant) first."""

PROBE_SCHEMA = JsonSchema(
    "probe",
    {
        "type": "object",
        "properties": {"probe": {"type": "string", "enum": ["zq"]}},
        "required": ["probe"],
        "additionalProperties": False,
    },
)
PROBE_ANSWER = {"probe": "zq"}
"""The only document :data:`PROBE_SCHEMA` allows; an unconstrained model, asked to greet, never writes it."""
PROBE_PROMPT = "Say hello."
PROBE_TOKENS = 24

REFUSING_STATUS = frozenset({400, 415, 422, 500})
"""Statuses of a server refusing a request's constraint fields, when its message names one of
:data:`FIELD_NAMES` (llama-cpp-python answers 500 to a body its validation rejects)."""
FIELD_NAMES = ("response_format", "json_schema", "json_object", "grammar")


@dataclass(frozen=True)
class Support:
    """What a server enforces.

    :param json: how a JSON answer is constrained (one of :data:`JSON_WAYS`), or ``None``.
    :param grammar: whether it honours a GBNF ``grammar`` (then Python blocks are constrained too).
    """

    json: str | None
    grammar: bool

    @property
    def output_kinds(self) -> frozenset[str]:
        """The :data:`rlgpt.llm.OutputFormat` kinds enforced."""
        kinds = {JsonSchema.kind} if self.json else set()
        return frozenset(kinds | ({PythonBlock.kind} if self.grammar else set()))

    def describe(self) -> str:
        """``json_object for JSON, grammar for code`` and the like, for messages."""
        parts = [f"{self.json} for JSON"] if self.json else []
        parts += ["grammar for code"] if self.grammar else []
        return ", ".join(parts) or "nothing"


FORCED = {
    "json_schema": Support("json_schema", False),
    "json_object": Support("json_object", False),
    "grammar": Support("grammar", True),
    "none": Support(None, False),
}
AUTO_OPTIMISTIC = Support("json_schema", True)
"""What ``auto`` may enforce before the server is probed (a backend's ``output_kinds`` then)."""

_DETECTED: dict[str, Support] = {}
_DETECTED_LOCK = threading.Lock()


def parse_mode(value: object) -> str:
    """``structured_output`` as one of :data:`MODES`; ``True``/``False`` still work (deprecated)."""
    if isinstance(value, bool):
        mode = "json_schema" if value else "none"
        warnings.warn(
            f'options.structured_output = {str(value).lower()} is deprecated; write "{mode}" '
            '(or "auto" to detect what the server accepts)',
            DeprecationWarning,
            stacklevel=3,
        )
        return mode
    if value not in MODES:
        raise ValueError(
            f"options.structured_output must be one of {', '.join(repr(m) for m in MODES)}, got {value!r}"
        )
    return str(value)


def constraint_fields(support: Support, output: OutputFormat | None) -> tuple[dict[str, Any], str | None]:
    """The request fields constraining an answer to ``output`` under ``support``, and the constraint's name.

    ``response_format`` goes as a top-level field; ``grammar`` belongs in ``extra_body``.
    """
    if isinstance(output, JsonSchema) and support.json == "json_schema":
        schema = {"name": output.name, "schema": dict(output.schema), "strict": True}
        return {"response_format": {"type": "json_schema", "json_schema": schema}}, "json_schema"
    if isinstance(output, JsonSchema) and support.json == "json_object":
        return {"response_format": {"type": "json_object", "schema": dict(output.schema)}}, "json_object"
    if isinstance(output, JsonSchema) and support.json == "grammar":
        return {"grammar": json_schema_grammar(output.schema)}, "grammar"
    if isinstance(output, PythonBlock) and support.grammar:
        return {"grammar": output.grammar()}, "grammar"
    return {}, None


def refuses_fields(error: openai.APIStatusError) -> bool:
    """Whether ``error`` is the server refusing a request's constraint fields (not a passing failure)."""
    text = f"{error.message} {error.body}".lower()
    return error.status_code in REFUSING_STATUS and any(name in text for name in FIELD_NAMES)


def detected(base_url: str) -> Support | None:
    """What was found at ``base_url`` earlier in this process, if it was probed."""
    with _DETECTED_LOCK:
        return _DETECTED.get(base_url)


def detect(base_url: str, ask: Callable[[dict[str, Any]], str]) -> Support:
    """Probe the server at ``base_url`` (once per process): the strongest JSON way it enforces, and grammars.

    :param ask: sends a request with these extra fields (``response_format``, ``grammar``) and
        :data:`PROBE_PROMPT` for at most :data:`PROBE_TOKENS` tokens, and returns the answer text; the
        ``openai`` exceptions it raises pass through, except a server refusing the fields.
    """
    with _DETECTED_LOCK:
        known = _DETECTED.get(base_url)
        if known is not None:
            return known
        json_way = next((way for way in JSON_WAYS if _enforces(way, ask)), None)
        grammar = json_way == "grammar" or (json_way is not None and _enforces("grammar", ask))
        support = Support(json_way, grammar)
        _DETECTED[base_url] = support
        return support


def _enforces(way: str, ask: Callable[[dict[str, Any]], str]) -> bool:
    """Whether the server, sent :data:`PROBE_SCHEMA` the ``way`` way, answers the one allowed document."""
    fields, _ = constraint_fields(FORCED[way], PROBE_SCHEMA)
    try:
        text = ask(fields)
    except openai.APIStatusError as error:
        if refuses_fields(error):
            return False
        raise
    try:
        return json.loads(text) == PROBE_ANSWER
    except ValueError:
        return False


def refusal_message(base_url: str, fields: Mapping[str, Any], error: openai.APIStatusError) -> str:
    """The one-line error for a server that refused a request's constraint ``fields``."""
    sent = ", ".join(
        f"response_format {value.get('type')!r}" if name == "response_format" else name
        for name, value in fields.items()
    )
    return (
        f"{base_url} refuses {sent} ({error.status_code}: {one_line(error.message, 160)}); set "
        'options.structured_output = "auto" to use what it accepts, or "json_object", "grammar" or "none"'
    )
