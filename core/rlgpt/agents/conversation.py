"""Prompt files and the ask-validate-repair exchange shared by the built-in agents."""

from __future__ import annotations

import json
import re
from functools import cache
from importlib.resources import files
from string import Template
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from rlgpt.agents.base import MalformedAnswer, Tags
from rlgpt.llm.types import LLM, Completion, Message, Request, SamplingParams

Model = TypeVar("Model", bound=BaseModel)

_FENCED_JSON = re.compile(r"```(?:json)?\s*\n(.*?)```", re.DOTALL)


@cache
def _template(name: str) -> Template:
    return Template(files("rlgpt.agents").joinpath("prompts", f"{name}.md").read_text(encoding="utf-8"))


def render(name: str, **values: object) -> str:
    """Fill the prompt file ``prompts/<name>.md``; a missing value is a ``KeyError``."""
    return _template(name).substitute({key: str(value) for key, value in values.items()}).strip()


def ask(llm: LLM, messages: list[Message], tags: Tags, params: SamplingParams) -> str:
    """One request; returns the text."""
    return complete(llm, messages, tags, params).text


def complete(llm: LLM, messages: list[Message], tags: Tags, params: SamplingParams) -> Completion:
    """One request; returns the whole completion (text and usage)."""
    return llm.complete(Request(tuple(messages), params, dict(tags)))


def parse_json(text: str, schema: type[Model]) -> Model:
    """Parse the JSON object in ``text`` (bare or fenced) into ``schema``.

    Raises ``ValueError`` whose message quotes the exact problem.
    """
    fenced = _FENCED_JSON.search(text)
    candidate = fenced.group(1) if fenced else text
    start, end = candidate.find("{"), candidate.rfind("}")
    if start < 0 or end < start:
        raise ValueError("no JSON object found in the answer")
    try:
        data = json.loads(candidate[start : end + 1])
    except json.JSONDecodeError as exc:
        raise ValueError(f"invalid JSON: {exc}") from None
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}" for err in exc.errors()
        )
        raise ValueError(f"JSON does not match the schema: {problems}") from None


def ask_json(
    llm: LLM, messages: list[Message], schema: type[Model], role: str, tags: Tags, params: SamplingParams
) -> Model:
    """Ask, validate, and on failure make one repair round-trip quoting the error."""
    first_completion = complete(llm, messages, tags, params)
    answer = first_completion.text
    try:
        return parse_json(answer, schema)
    except ValueError as first:
        error = str(first)
        if first_completion.usage.completion_tokens >= params.max_tokens:
            error += (
                f" (the answer was cut off at the limit of {params.max_tokens} tokens: answer more briefly)"
            )
        repair = [*messages, Message("assistant", answer), Message("user", render("repair", error=error))]
        second_answer = ask(llm, repair, {**tags, "repair": "1"}, params)
        try:
            return parse_json(second_answer, schema)
        except ValueError as second:
            raise MalformedAnswer(role, str(second)) from None
