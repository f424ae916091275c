"""Prompt files and the ask-validate-repair exchange shared by the built-in agents."""

from __future__ import annotations

import hashlib
import json
import re
from functools import cache
from importlib.resources import files
from string import Template
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from rlgpt.agents.base import MalformedAnswer, Tags
from rlgpt.llm.replay import BACKEND as REPLAY_BACKEND
from rlgpt.llm.types import LLM, Completion, JsonSchema, Message, OutputFormat, Request, SamplingParams
from rlgpt.textbound import bound_text

Model = TypeVar("Model", bound=BaseModel)
REPAIR_ECHO_CHARS = 16_000
"""Most characters of a rejected answer quoted back in its repair request."""

_FENCED_JSON = re.compile(r"```(?:json)?\s*\n(.*?)```", re.DOTALL)


@cache
def prompt_version() -> str:
    """The version of the prompt files: ``VERSION`` of the prompts folder and a digest of every file.

    Comparisons record it, so answers to different prompts never count as the same trial.
    """
    folder = files("rlgpt.agents").joinpath("prompts")
    digest = hashlib.sha256()
    for item in sorted(folder.iterdir(), key=lambda entry: entry.name):
        if item.is_file():
            digest.update(item.name.encode() + b"\0" + item.read_bytes() + b"\0")
    version = folder.joinpath("VERSION").read_text(encoding="utf-8").strip()
    return f"{version}-{digest.hexdigest()[:8]}"


@cache
def _template(name: str) -> Template:
    return Template(files("rlgpt.agents").joinpath("prompts", f"{name}.md").read_text(encoding="utf-8"))


def render(name: str, **values: object) -> str:
    """Fill the prompt file ``prompts/<name>.md``; a missing value is a ``KeyError``."""
    return _template(name).substitute({key: str(value) for key, value in values.items()}).strip()


def ask(
    llm: LLM, messages: list[Message], tags: Tags, params: SamplingParams, output: OutputFormat | None = None
) -> str:
    """One request; returns the text."""
    return complete(llm, messages, tags, params, output).text


def complete(
    llm: LLM, messages: list[Message], tags: Tags, params: SamplingParams, output: OutputFormat | None = None
) -> Completion:
    """One request, asking for answers of shape ``output``; returns the whole completion (text and usage)."""
    return llm.complete(Request(tuple(messages), params, dict(tags), output))


def cut_off_note(completion: Completion, params: SamplingParams) -> str:
    """A sentence for a repair request when ``completion`` stopped at the token limit, else ``""``.

    A replayed answer is a recorded one, never cut: its token count is an estimate and says nothing.
    """
    if completion.backend == REPLAY_BACKEND or completion.usage.completion_tokens < params.max_tokens:
        return ""
    return f" (the answer was cut off at the limit of {params.max_tokens} tokens: answer more briefly)"


def parse_json(text: str, schema: type[Model]) -> Model:
    """Parse the JSON object in ``text`` (bare or fenced) into ``schema``.

    Raises ``ValueError`` whose message quotes the exact problem.
    """
    fenced = _FENCED_JSON.search(text)
    candidate = fenced.group(1) if fenced else text
    start, end = candidate.find("{"), candidate.rfind("}")
    stripped = candidate.strip()
    if not stripped:
        raise ValueError("the answer is empty; answer with one JSON object {...}")
    if stripped.startswith("["):
        raise ValueError("the answer is a JSON array, not an object; answer with one JSON object {...}")
    if start < 0:
        raise ValueError("no JSON object found in the answer (it has no '{'); answer with one JSON object")
    if end < start:
        raise ValueError(
            "the JSON object is cut off: it opens with '{' but never closes; answer with one complete object"
        )
    try:
        # strict=False: a raw newline inside a string (llama.cpp servers' JSON grammars allow one) is no error
        data = json.loads(candidate[start : end + 1], strict=False)
    except json.JSONDecodeError as exc:
        raise ValueError(f"invalid JSON: {exc}") from None
    except RecursionError:
        raise ValueError("the JSON is nested too deeply to read; answer with one flat JSON object") from None
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}" for err in exc.errors()
        )
        raise ValueError(f"JSON does not match the schema: {problems}") from None


def ask_json(
    llm: LLM,
    messages: list[Message],
    schema: type[Model],
    role: str,
    tags: Tags,
    params: SamplingParams,
    output: JsonSchema | None = None,
) -> Model:
    """Ask (for answers matching ``output`` where the backend can constrain), validate, and on
    failure make one repair round-trip quoting the error.

    A repair that returns the rejected answer byte for byte ends the exchange at once: asking
    again the same way would only repeat it.
    """
    first = complete(llm, messages, tags, params, output)
    try:
        return parse_json(first.text, schema)
    except ValueError as problem:
        error = bound_text(str(problem)) + cut_off_note(first, params)
    echoed = bound_text(first.text, REPAIR_ECHO_CHARS)  # a huge answer is not sent back whole
    repair = [*messages, Message("assistant", echoed), Message("user", render("repair", error=error))]
    second = complete(llm, repair, {**tags, "repair": "1"}, params, output)
    if second.text == first.text:
        raise MalformedAnswer(role, f"{error}; the repair repeated the same answer", second.text)
    try:
        return parse_json(second.text, schema)
    except ValueError as problem:
        raise MalformedAnswer(role, str(problem) + cut_off_note(second, params), second.text) from None


def normalise_answer(text: str) -> str:
    """``text`` with formatting that does not change its meaning removed: a JSON object in it as
    canonical JSON, anything else with its whitespace collapsed (for dead-loop fingerprints)."""
    fenced = _FENCED_JSON.search(text)
    candidate = fenced.group(1) if fenced else text
    start, end = candidate.find("{"), candidate.rfind("}")
    if 0 <= start < end:
        try:
            data = json.loads(candidate[start : end + 1], strict=False)
            return json.dumps(data, sort_keys=True, separators=(",", ":"))
        except (ValueError, RecursionError):
            pass
    return " ".join(text.split())
