"""JSON Schemas as GBNF grammars, for OpenAI-compatible servers that take a ``grammar`` (llama.cpp's).

It covers the strict structured-output subset rlgpt's answer schemas are written in
(:class:`rlgpt.llm.JsonSchema`): objects listing all their properties (in order) as required,
arrays with ``minItems``/``maxItems``, strings with ``enum``, ``const``, ``maxLength`` or a
``pattern`` made of literal characters and character classes, integers, numbers, booleans,
null and ``anyOf``. Where the grammar cannot say as much as the schema (numeric bounds, other
patterns) it is looser: the caller validates every answer anyway. The JSON is compact, with at
most one space between tokens, so a small model cannot spin on whitespace.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

SPACE = 'ws ::= " "?'
CHAR = 'char ::= [^"\\\\\\x7F\\x00-\\x1F] | "\\\\" ( ["\\\\/bfnrt] | "u" [0-9a-fA-F]{4} )'
STRING = 'string ::= "\\"" char* "\\""'
INTEGER = 'integer ::= "-"? ( "0" | [1-9] [0-9]{0,15} )'
NUMBER = 'number ::= integer ( "." [0-9]{1,16} )? ( [eE] [-+]? [0-9]{1,3} )?'
VALUE = [
    'value ::= object | array | string | number | "true" | "false" | "null"',
    'object ::= "{" ws ( string ws ":" ws value ws ( "," ws string ws ":" ws value ws )* )? "}"',
    'array ::= "[" ws ( value ws ( "," ws value ws )* )? "]"',
]
"""Any JSON value, for a schema that does not say (no ``type``)."""

_PATTERN_ATOM = re.compile(
    r"(\[(?:\\.|[^\]\\])+\]|\\[^A-Za-z0-9]|[^\\\[\](){}|*+?.^$\"])([*+?]|\{\d+(?:,\d*)?\})?"
)


def json_schema_grammar(schema: Mapping[str, Any]) -> str:
    """The GBNF grammar of the JSON documents ``schema`` accepts (see the module docstring for the subset)."""
    return _Grammar().build(schema)


def literal(text: str) -> str:
    """``text`` as a GBNF string literal (JSON's escapes are GBNF's too)."""
    return json.dumps(text)


def _repeat(item: str, separator: str, least: int, most: int | None) -> str:
    """``least`` to ``most`` (``None``: any number of) ``item`` joined by ``separator``."""
    if most == 0:
        return ""
    if most is None:
        more = f"{{{least - 1},}}" if least > 1 else "*"
    else:
        more = f"{{{max(least - 1, 0)},{most - 1}}}"
    run = item if most == 1 else f"{item} ( {separator} {item} ){more}"
    return run if least > 0 else f"( {run} )?"


class _Grammar:
    """Rules being built for one schema; a rule's name is derived from where it is used."""

    def __init__(self) -> None:
        self.rules: dict[str, str] = {}
        self.shared: set[str] = set()

    def build(self, schema: Mapping[str, Any]) -> str:
        root = self.node(schema, "root")
        lines = [f"root ::= {root}", SPACE]
        lines += [f"{name} ::= {body}" for name, body in self.rules.items()]
        for needed, rules in (
            ("value", VALUE),
            ("number", [NUMBER]),
            ("integer", [INTEGER]),
            ("string", [STRING]),
            ("char", [CHAR]),
        ):
            if needed in self.shared:
                lines += rules
        return "\n".join(lines) + "\n"

    def use(self, *names: str) -> None:
        """Note shared rules the grammar refers to (with what they refer to themselves)."""
        closure = {
            "value": ("object", "array", "string", "number"),
            "number": ("integer",),
            "string": ("char",),
        }
        for name in names:
            self.shared.add(name)
            self.use(*closure.get(name, ()))

    def rule(self, hint: str, body: str) -> str:
        """A named rule for ``body`` (reused when the same body appears again)."""
        for name, existing in self.rules.items():
            if existing == body:
                return name
        stem = re.sub(r"[^a-z0-9]+", "-", hint.lower()).strip("-") or "r"
        name, number = stem, 1
        while name in self.rules or name in ("root", "ws"):
            number += 1
            name = f"{stem}-{number}"
        self.rules[name] = body
        return name

    def node(self, schema: Mapping[str, Any], hint: str) -> str:
        """A GBNF expression for the values ``schema`` accepts."""
        if "const" in schema:
            return literal(json.dumps(schema["const"]))
        if "enum" in schema:
            return self.rule(hint, " | ".join(literal(json.dumps(value)) for value in schema["enum"]))
        options = schema.get("anyOf") or schema.get("oneOf")
        if options:
            alternatives = [self.node(option, f"{hint}-{n}") for n, option in enumerate(options, 1)]
            return self.rule(hint, " | ".join(alternatives))
        kind = schema.get("type")
        if isinstance(kind, list):
            alternatives = [self.node({**schema, "type": one}, f"{hint}-{one}") for one in kind]
            return self.rule(hint, " | ".join(alternatives))
        if kind == "object":
            return self.object(schema, hint)
        if kind == "array":
            return self.array(schema, hint)
        if kind == "string":
            return self.string(schema, hint)
        if kind == "integer":
            if schema.get("minimum", 0) >= 1 or schema.get("exclusiveMinimum", -1) >= 0:
                return "( [1-9] [0-9]{0,15} )"
            self.use("integer")
            return "integer"
        if kind == "number":
            self.use("number")
            return "number"
        if kind == "boolean":
            return '( "true" | "false" )'
        if kind == "null":
            return '"null"'
        self.use("value")
        return "value"

    def object(self, schema: Mapping[str, Any], hint: str) -> str:
        properties: Mapping[str, Any] = schema.get("properties") or {}
        if properties:
            members = [
                f'{literal(json.dumps(name))} ws ":" ws {self.node(sub, f"{hint}-{name}")} ws'
                for name, sub in properties.items()
            ]
            joined = ' "," ws '.join(members)
            return self.rule(hint, f'"{{" ws {joined} "}}"')
        extra = schema.get("additionalProperties", True)
        if extra is False:
            return '"{" ws "}"'
        self.use("string")
        value = self.node(extra if isinstance(extra, Mapping) else {}, f"{hint}-value")
        members = _repeat(f'string ws ":" ws {value} ws', '"," ws', 0, None)
        return self.rule(hint, f'"{{" ws {members} "}}"')

    def array(self, schema: Mapping[str, Any], hint: str) -> str:
        item = f"{self.node(schema.get('items') or {}, f'{hint}-item')} ws"
        items = _repeat(item, '"," ws', int(schema.get("minItems", 0)), schema.get("maxItems"))
        return self.rule(hint, " ".join(part for part in ('"[" ws', items, '"]"') if part))

    def string(self, schema: Mapping[str, Any], hint: str) -> str:
        pattern = schema.get("pattern")
        body = _pattern_body(pattern) if isinstance(pattern, str) else None
        if body is None:
            self.use("char")
            least, most = int(schema.get("minLength", 0)), schema.get("maxLength")
            if not least and most is None:
                self.use("string")
                return "string"
            body = f"char{{{least},{'' if most is None else most}}}"
        return self.rule(hint, f'"\\"" {body} "\\""')


def _pattern_body(pattern: str) -> str | None:
    """GBNF for an anchored ``pattern`` of literal characters and classes, or ``None`` when it has more."""
    if not (pattern.startswith("^") and pattern.endswith("$")):
        return None
    inner, parts, position = pattern[1:-1], [], 0
    while position < len(inner):
        match = _PATTERN_ATOM.match(inner, position)
        if match is None:
            return None
        atom, quantifier = match.group(1), match.group(2) or ""
        if atom.startswith("["):
            if any(escape in atom for escape in ("\\d", "\\w", "\\s", '"')):
                return None
            parts.append(atom + quantifier)
        else:
            parts.append(literal(atom[-1]) + quantifier)
        position = match.end()
    return " ".join(parts) if parts else None
