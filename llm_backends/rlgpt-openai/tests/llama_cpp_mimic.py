"""A loopback server that treats chat requests as llama-cpp-python's server (0.3.x) does.

Read from ``llama_cpp/server/app.py``, ``server/types.py``, ``server/errors.py`` and
``llama_chat_format.py``:

- The body is validated by pydantic; unknown fields are ignored. ``response_format`` is a TypedDict
  ``{"type": "text" | "json_object", "schema"?: ...}``, so ``{"type": "json_schema", ...}`` fails
  validation. The route's error handler (``RouteErrorHandler``) catches that exception like any other
  and answers **HTTP 500** ``{"error": {"message": str(exc), "type": "internal_server_error", ...}}``.
- ``grammar`` (a GBNF string) is compiled with ``LlamaGrammar.from_string``; a grammar that does not
  parse is an exception, so also a 500.
- ``response_format`` ``json_object`` replaces any ``grammar``: with a ``schema`` the schema becomes
  the grammar (on a schema the converter cannot handle it silently falls back to any JSON), without
  one any JSON object.
- ``/v1/models`` lists the model alias, ``owned_by`` ``"me"``.

The "model" wants to write a scripted text; constrained decoding keeps that text when the
constraint allows it and otherwise yields the shortest text the constraint allows (for a probe whose
schema allows one document, that document). Grammars are read with a small GBNF reader.
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import jsonschema
from rlgpt.testing import HTTPReply, HTTPRequest, LoopbackHTTPServer

ALIAS = "smollm2-135m"
TOKEN = re.compile(
    r'\s*(?:(?P<lit>"(?:\\.|[^"\\])*")|(?P<cls>\[(?:\\.|[^\]\\])*\])|(?P<name>[a-zA-Z][a-zA-Z0-9-]*)'
    r"|(?P<rep>\{\d+(?:,\d*)?\}|[*+?])|(?P<sym>[()|]))"
)
DEPTH = 12


class GrammarError(ValueError):
    """The GBNF text does not parse."""


def _unescape(body: str) -> str:
    return json.loads('"' + re.sub(r"\\x([0-9a-fA-F]{2})", r"\\u00\1", body) + '"')


@dataclass
class Grammar:
    """A GBNF grammar: rules of alternatives, sequences, literals, classes, references, repetitions."""

    rules: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str) -> Grammar:
        grammar = cls()
        for line in text.splitlines():
            if not line.strip():
                continue
            name, sep, body = line.partition("::=")
            if not sep:
                raise GrammarError(f"no '::=' in {line!r}")
            tokens = grammar._tokens(body)
            node = grammar._alternatives(tokens)
            if tokens:
                raise GrammarError(f"unexpected {tokens[0]} in {line!r}")
            grammar.rules[name.strip()] = node
        if "root" not in grammar.rules:
            raise GrammarError("no root rule")
        for name in grammar._references(list(grammar.rules.values())):
            if name not in grammar.rules:
                raise GrammarError(f"undefined rule {name}")
        return grammar

    def _tokens(self, body: str) -> list[tuple[str, str]]:
        tokens, position = [], 0
        while body[position:].strip():
            match = TOKEN.match(body, position)
            if match is None:
                raise GrammarError(f"cannot read {body[position:]!r}")
            tokens.append((match.lastgroup or "", match.group(match.lastgroup or 0)))
            position = match.end()
        return tokens

    def _alternatives(self, tokens: list[tuple[str, str]]) -> Any:
        options = [self._sequence(tokens)]
        while tokens and tokens[0] == ("sym", "|"):
            tokens.pop(0)
            options.append(self._sequence(tokens))
        return ("alt", options)

    def _sequence(self, tokens: list[tuple[str, str]]) -> Any:
        items = []
        while tokens and tokens[0] not in (("sym", "|"), ("sym", ")")):
            kind, text = tokens.pop(0)
            if kind == "lit":
                item: Any = ("lit", _unescape(text[1:-1]))
            elif kind == "cls":
                item = ("cls", text)
            elif kind == "name":
                item = ("ref", text)
            elif (kind, text) == ("sym", "("):
                item = self._alternatives(tokens)
                if not tokens or tokens.pop(0) != ("sym", ")"):
                    raise GrammarError("unclosed (")
            else:
                raise GrammarError(f"unexpected {text!r}")
            if tokens and tokens[0][0] == "rep":
                item = ("rep", item, _bounds(tokens.pop(0)[1]))
            items.append(item)
        return ("seq", items)

    def _references(self, nodes: list[Any]) -> set[str]:
        names: set[str] = set()
        for node in nodes:
            if node[0] == "ref":
                names.add(node[1])
            elif node[0] in ("alt", "seq"):
                names |= self._references(node[1])
            elif node[0] == "rep":
                names |= self._references([node[1]])
        return names

    def regex(self, node: Any = ("ref", "root"), depth: int = 0) -> str:
        """A Python regular expression for the language (recursion cut at a small depth)."""
        kind = node[0]
        if kind == "lit":
            return re.escape(node[1])
        if kind == "cls":
            return _class_regex(node[1])
        if kind == "ref":
            return "(?!)" if depth > DEPTH else f"(?:{self.regex(self.rules[node[1]], depth + 1)})"
        if kind == "seq":
            return "".join(self.regex(item, depth) for item in node[1])
        if kind == "alt":
            return "(?:" + "|".join(self.regex(option, depth) for option in node[1]) + ")"
        least, most = node[2]
        return f"(?:{self.regex(node[1], depth)}){{{least},{'' if most is None else most}}}"

    def shortest(self, node: Any = ("ref", "root"), depth: int = 0) -> str | None:
        """The shortest text of the language (``None`` past the recursion depth)."""
        kind = node[0]
        if kind == "lit":
            return node[1]
        if kind == "cls":
            return next(c for c in string.printable if re.fullmatch(_class_regex(node[1]), c))
        if kind == "ref":
            return None if depth > DEPTH else self.shortest(self.rules[node[1]], depth + 1)
        if kind == "seq":
            parts = [self.shortest(item, depth) for item in node[1]]
            return None if None in parts else "".join(parts)  # type: ignore[arg-type]
        if kind == "alt":
            found = [text for text in (self.shortest(o, depth) for o in node[1]) if text is not None]
            return min(found, key=len) if found else None
        once = self.shortest(node[1], depth)
        return None if once is None and node[2][0] else (once or "") * node[2][0]


def _bounds(text: str) -> tuple[int, int | None]:
    if text in ("*", "+", "?"):
        return {"*": (0, None), "+": (1, None), "?": (0, 1)}[text]
    low, _, high = text[1:-1].partition(",")
    return int(low), (int(low) if "," not in text else (int(high) if high else None))


def _class_regex(text: str) -> str:
    inner = text[1:-1]
    negated = inner.startswith("^")
    members, position = [], 1 if negated else 0
    while position < len(inner):
        if inner[position] == "\\":
            escape = inner[position + 1]
            if escape == "x":
                char, position = chr(int(inner[position + 2 : position + 4], 16)), position + 4
            else:
                char, position = {"n": "\n", "t": "\t", "r": "\r"}.get(escape, escape), position + 2
        else:
            char, position = inner[position], position + 1
        members.append(char if char == "-" else re.escape(char))
    return f"[{'^' if negated else ''}{''.join(members)}]"


def shortest_instance(schema: Mapping[str, Any]) -> Any:
    """The smallest document ``schema`` (the strict subset) accepts."""
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    if "anyOf" in schema:
        return shortest_instance(schema["anyOf"][0])
    kind = schema.get("type")
    if kind == "object":
        return {name: shortest_instance(sub) for name, sub in (schema.get("properties") or {}).items()}
    if kind == "array":
        return [shortest_instance(schema.get("items") or {}) for _ in range(schema.get("minItems", 0))]
    if kind == "string":
        return "a" * schema.get("minLength", 0)
    return {"integer": schema.get("minimum", 0), "number": 0, "boolean": False}.get(kind)


def _validation_error(value: Any) -> str:
    """``str()`` of the FastAPI ``RequestValidationError`` for a ``response_format`` of another type."""
    error = {
        "type": "literal_error",
        "loc": ("body", "response_format", "type"),
        "msg": "Input should be 'text' or 'json_object'",
        "input": value,
        "ctx": {"expected": "'text' or 'json_object'"},
    }
    return f"1 validation error:\n  {error}\n"


class LlamaCppPythonServer(LoopbackHTTPServer):
    """llama-cpp-python's OpenAI-compatible server, its model replaced by :attr:`wants` (a text script)."""

    def __init__(self) -> None:
        self.wants: list[str] = []
        self.probes = 0
        super().__init__(self._handle)

    @property
    def base_url(self) -> str:
        """The ``/v1`` URL clients use."""
        return f"{self.url}/v1"

    def _handle(self, request: HTTPRequest) -> HTTPReply:
        if request.method == "GET" and request.path == "/v1/models":
            body = {
                "object": "list",
                "data": [{"id": ALIAS, "object": "model", "owned_by": "me", "permissions": []}],
            }
            return HTTPReply(200, json.dumps(body).encode())
        if request.path != "/v1/chat/completions":
            return HTTPReply(404, b'{"detail":"Not Found"}')
        body = request.json
        response_format = body.get("response_format")
        try:
            if response_format is not None and response_format.get("type") not in ("text", "json_object"):
                raise ValueError(_validation_error(response_format.get("type")))
            text = self._decode(body, response_format)
        except ValueError as error:
            message = {"message": str(error), "type": "internal_server_error", "param": None, "code": None}
            return HTTPReply(500, json.dumps({"error": message}).encode())
        usage = {"prompt_tokens": 20, "completion_tokens": max(1, len(text) // 4)}
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        choice = {
            "index": 0,
            "message": {"role": "assistant", "content": text},
            "logprobs": None,
            "finish_reason": "stop",
        }
        reply = {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 1,
            "model": body.get("model"),
            "choices": [choice],
            "usage": usage,
        }
        return HTTPReply(200, json.dumps(reply).encode())

    def _decode(self, body: Mapping[str, Any], response_format: Mapping[str, Any] | None) -> str:
        """What the model writes under the request's constraint."""
        wanted = self.wants.pop(0) if self.wants else "Hello! How can I help you today?"
        if response_format is not None and response_format["type"] == "json_object":
            schema = response_format.get("schema", {"type": "object"})
            try:
                jsonschema.validate(json.loads(wanted), schema)
                return wanted
            except (ValueError, jsonschema.ValidationError):
                return json.dumps(shortest_instance(schema))
        if body.get("grammar") is not None:
            grammar = Grammar.parse(body["grammar"])
            if re.fullmatch(grammar.regex(), wanted):
                return wanted
            return grammar.shortest() or ""
        return wanted
