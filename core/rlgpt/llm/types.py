"""Messages, completions and the LLM protocol every backend implements."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, Protocol, runtime_checkable

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True)
class Image:
    """An image attached to a message (PNG or JPEG bytes)."""

    data: bytes
    media_type: str = "image/png"


@dataclass(frozen=True)
class Message:
    """One chat message."""

    role: Role
    content: str
    images: tuple[Image, ...] = ()


@dataclass(frozen=True)
class Usage:
    """Token counts of one request."""

    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        """Prompt plus completion tokens."""
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class Completion:
    """A model's answer.

    :param text: the generated text.
    :param usage: token counts (estimated where the backend cannot count).
    :param latency_s: wall-clock seconds the request took (0 for cache hits).
    :param model: model id that answered.
    :param backend: backend id that answered.
    :param cached: true when served from the response cache.
    :param cost_usd: price of the request where the vendor publishes prices.
    :param constraint: how decoding was held to the request's output format (:data:`Constraint`):
        ``"json_schema"``, ``"json_object"`` (a JSON Schema inside a JSON-object response format),
        ``"grammar"`` (a GBNF grammar), ``"regex"``; ``None`` when the answer was decoded freely, or
        when the backend does not say (then :func:`constraint` tells from its ``output_kinds``).
    """

    text: str
    usage: Usage
    latency_s: float
    model: str
    backend: str
    cached: bool = False
    cost_usd: float | None = None
    constraint: str | None = None


@dataclass(frozen=True)
class SamplingParams:
    """Sampling parameters; part of the cache key."""

    temperature: float = 0.0
    max_tokens: int = 2048
    stop: tuple[str, ...] = ()
    seed: int | None = None


@dataclass(frozen=True)
class JsonSchema:
    """The answer must be one JSON object matching ``schema``.

    :param name: a short identifier of the schema (``plan``, ``critique``), for APIs that name it.
    :param schema: a JSON Schema in the subset strict structured-output APIs accept: every object
        lists all its properties as required and forbids others; ``$defs``/``$ref``, ``anyOf``,
        ``enum``, ``const``, ``pattern`` and ``minItems``/``maxItems`` may appear.
    """

    name: str
    schema: Mapping[str, Any]

    kind: ClassVar[str] = "json_schema"


@dataclass(frozen=True)
class PythonBlock:
    """The answer must be one fenced Python block: a module of function definitions.

    :param functions: the top-level functions the block must define, in this order (helpers may
        come between and after them, not before the first).
    :param modules: the modules a top-level ``import m`` or ``from m import ...`` line may name.

    Line by line, the block holds only what a program of coded actions may hold: top-level lines
    start a function (``def``), import one of ``modules``, assign an upper-case constant, close a
    bracket or are comments; every other line is indented or empty. Classes, other top-level
    statements and other imports cannot be written at all. The first function is the first required
    one; helpers come after it (Python looks names up when a function runs), so a model cannot spend
    its answer on helpers before it writes what was asked.
    """

    functions: tuple[str, ...]
    modules: tuple[str, ...] = ()

    kind: ClassVar[str] = "python_block"

    def pattern(self) -> str:
        """A regular expression every conforming answer matches in full.

        Within a line one or two backticks in a row may appear (``name`` in a docstring); three only
        as the closing fence, on a line of its own.
        """
        line = "(?:[^`\\n]|`[^`\\n]|``[^`\\n])*`{0,2}\\n"
        lines = ["\\n", f"[ \\t#)\\]}}]{line}", f"[A-Z][A-Z0-9_]* = {line}"]
        if self.modules:
            names = "|".join(re.escape(module) for module in self.modules)
            lines += [f"import (?:{names})(?:\\n|[ ,#]{line})", f"from (?:{names}) import [^*`\\n]{line}"]
        head = f"(?:{'|'.join(lines)})"
        other = f"(?:{'|'.join([*lines, f'def {line}'])})"
        defs = "".join(rf"def {re.escape(name)}\({line}{other}*" for name in self.functions)
        return f"```python\\n{head}*{defs}```"

    def grammar(self) -> str:
        """The same language as :meth:`pattern`, as a GBNF grammar (llama.cpp's grammar format).

        For servers and libraries that take grammars rather than regular expressions.
        """
        defs = " ".join(f'"def {name}(" line other*' for name in self.functions)
        rules = [
            f'root ::= "```python\\n" head* {defs} "```"',
            'line ::= ( [^`\\n] | "`" [^`\\n] | "``" [^`\\n] )* ( "`" | "``" )? "\\n"',
            'other ::= head | "def " line',
        ]
        head = ['"\\n"', "[ \\t#)\\]}] line", '[A-Z] [A-Z0-9_]* " = " line']
        if self.modules:
            modules = " | ".join(f'"{module}"' for module in self.modules)
            head += ['"import " module ( "\\n" | [ ,#] line )', '"from " module " import " [^*`\\n] line']
            rules.append(f"module ::= {modules}")
        rules.append(f"head ::= {' | '.join(head)}")
        return "\n".join(rules) + "\n"


OutputFormat = JsonSchema | PythonBlock
"""A constraint on the shape of an answer; :func:`output_kinds` tells which ones a backend enforces."""

Constraint = Literal["json_schema", "json_object", "grammar", "regex"]
"""How an answer's decoding was constrained (:attr:`Completion.constraint`)."""

DEFAULT_CONSTRAINTS: Mapping[str, Constraint] = {JsonSchema.kind: "json_schema", PythonBlock.kind: "regex"}
"""What enforcing an output kind means when a backend does not say: the schema, or the block's
:meth:`PythonBlock.pattern`."""


@dataclass(frozen=True)
class Request:
    """Everything a backend needs for one completion.

    :param messages: the conversation.
    :param params: sampling parameters.
    :param tags: opaque labels from the caller (e.g. which step of a run asks);
        backends must not interpret them except to find recorded answers
        (the replay backend) and to name the request in errors. Not part of the cache key.
    :param output: the shape the answer must have. A backend that lists its ``kind`` in
        ``output_kinds`` constrains decoding to it; others ignore it, and the caller validates
        and repairs the answer as usual. Part of the cache key.
    """

    messages: tuple[Message, ...]
    params: SamplingParams = SamplingParams()
    tags: Mapping[str, str] = field(default_factory=dict)
    output: OutputFormat | None = None


class LLMError(Exception):
    """A request failed for good (after retries, or on a non-transient error)."""


class TransientLLMError(LLMError):
    """A request failed in a way worth retrying (rate limit, 5xx, timeout).

    :param args: the message (as for any exception).
    :param retry_after_s: seconds the server asked to wait before the next try (its
        ``Retry-After``), or ``None`` when it gave no hint and the retry policy's backoff applies.
    """

    def __init__(self, *args: object, retry_after_s: float | None = None) -> None:
        super().__init__(*args)
        self.retry_after_s = retry_after_s


@runtime_checkable
class LLM(Protocol):
    """A chat model. Implementations must be safe to call repeatedly.

    A backend that can constrain decoding also has ``output_kinds``: the ``kind`` of each
    :data:`OutputFormat` it enforces (``"json_schema"``, ``"python_block"``); without it, none.
    A backend whose answers depend on more than its name, the model and the request (the server it
    talks to, a decoding option such as a repetition penalty) says what in ``answer_identity``, a
    JSON-serialisable mapping; the response cache keys answers on it (:func:`answer_identity`).
    Every backend has ``close()``, which releases what it holds (connection pools, a server it
    launched, model weights) and may be called again; the loop calls it when a run ends and
    :class:`~rlgpt.testing.LLMBackendContract` checks it. (It is not part of the runtime check, so
    a bare test double without ``close`` still works.)
    """

    backend: str
    model: str
    supports_images: bool

    def complete(self, request: Request) -> Completion:
        """Answer one request. Raise :class:`TransientLLMError` for retryable failures."""
        ...


def output_kinds(llm: LLM) -> frozenset[str]:
    """The :data:`OutputFormat` kinds ``llm`` enforces while decoding (its optional ``output_kinds``)."""
    return frozenset(getattr(llm, "output_kinds", frozenset()))


def answer_identity(llm: LLM) -> dict[str, Any]:
    """What besides its backend name, model and a request decides ``llm``'s answers (its optional
    ``answer_identity``; empty without it)."""
    return dict(getattr(llm, "answer_identity", None) or {})


def constrains(llm: LLM, request: Request) -> bool:
    """Whether ``llm`` enforces ``request.output`` (false when the request has none)."""
    return request.output is not None and request.output.kind in output_kinds(llm)


def constraint(llm: LLM, request: Request, completion: Completion) -> str | None:
    """How ``completion``, ``llm``'s answer to ``request``, was constrained (``None``: decoded freely).

    The backend's own word (:attr:`Completion.constraint`) when it gives one; otherwise the usual
    way of enforcing the request's output kind (:data:`DEFAULT_CONSTRAINTS`) when ``llm`` lists it in
    ``output_kinds``.
    """
    if completion.constraint is not None:
        return completion.constraint
    if request.output is None or not constrains(llm, request):
        return None
    return DEFAULT_CONSTRAINTS.get(request.output.kind)


def user(content: str) -> Message:
    """Shorthand for a user message."""
    return Message("user", content)


def system(content: str) -> Message:
    """Shorthand for a system message."""
    return Message("system", content)


def as_messages(messages: Sequence[Message]) -> tuple[Message, ...]:
    """Freeze a message sequence for a :class:`Request`."""
    return tuple(messages)
