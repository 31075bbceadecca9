"""Which declared function tools a prompt asks for, and the arguments the prompt gives them.

The offline model has no language model, so this is word matching: a tool is called when its
name is typed, when a word of its name is in the prompt ("weather" for ``get_weather``), or when
enough words of its description and parameter names are. Arguments come from the prompt where a
parameter's name or type says what it wants (a capitalised place after "in" for ``city``, a number
for a number, an enum value that is mentioned); the rest is a valid example from the schema.
A prompt that names several values ("Paris and Rome") gets one call per value.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ._schema_values import Schema, example_value

PLACE_NAMES = frozenset(
    {"location", "city", "place", "address", "country", "region", "where", "town", "destination"}
)
QUERY_NAMES = frozenset({"query", "q", "topic", "search", "term", "text", "prompt", "subject"})
# Words of a tool name that say nothing about what it does.
_GENERIC = frozenset(
    {"get", "set", "fetch", "find", "lookup", "look", "up", "do", "run", "make", "call", "tool"}
    | {"compute", "calc", "calculate", "list", "show", "read", "by", "for", "the", "a", "to"}
)
_STOP = frozenset(
    {"what", "which", "with", "that", "this", "there", "their", "about", "would", "could"}
    | {"should", "please", "tell", "give", "from", "into", "have", "does", "your", "when"}
    | {"where", "will", "also", "then", "some", "them", "they", "were", "been", "than"}
    | {"very", "the", "and", "for", "you", "are", "how", "its", "our", "any", "all", "now"}
    | {"current", "given", "value", "return", "returns", "using", "like", "just", "today"}
)
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_PLACE = r"[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*(?:,\s*[A-Z]{2}\b)?"
_PLACES = re.compile(
    rf"\b(?:in|for|at|of|to|near|from|about|around)\s+({_PLACE}(?:(?:\s*,\s*|\s+and\s+|\s+or\s+|"
    rf"\s*,\s*and\s+){_PLACE})*)"
)
_SPLIT = re.compile(r"\s*,\s*and\s+|\s+and\s+|\s+or\s+|\s*,(?!\s*[A-Z]{2}\b)\s*")
_NOT_PLACES = frozenset(
    {"I", "Celsius", "Fahrenheit", "Kelvin", "Monday", "Tuesday", "Wednesday", "Thursday"}
    | {"Friday", "Saturday", "Sunday", "Python", "JSON", "Markdown", "English"}
)
_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w.])")
STRONG, WEAK = 10, 4
MAX_CALLS_PER_TOOL = 5

StringFor = Callable[[str, Schema], str]


@dataclass
class PlannedCall:
    index: int
    """The tool's position in the request's ``tools`` (for error messages)."""
    name: str
    arguments: dict[str, Any]


def _stem(word: str) -> str:
    low = word.lower()
    if len(low) > 3 and low.endswith("s") and not low.endswith("ss"):
        return low[:-1]
    return low


def _words(text: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", text).replace("_", " ")
    return [_stem(w) for w in _WORD.findall(spaced)]


def _schema_of(tool: dict[str, Any]) -> Schema:
    schema = tool.get("parameters") or tool.get("parameters_json_schema") or {}
    return schema if isinstance(schema, dict) else {}


def _properties(schema: Schema) -> dict[str, Schema]:
    props = schema.get("properties")
    props = props if isinstance(props, dict) else {}
    return {k: v for k, v in props.items() if isinstance(v, dict)}


def _score(tool: dict[str, Any], prompt: str, words: set[str]) -> tuple[int, int]:
    """(score, where in the prompt the tool is first mentioned)."""
    name = str(tool["name"])
    low = prompt.lower()
    typed = [low.find(form) for form in (name.lower(), name.replace("_", " ").lower())]
    found = [p for p in typed if p >= 0]
    if found:
        return 100, min(found)
    name_words = set(_words(name)) - _GENERIC - _STOP
    described = {w for w in _words(str(tool.get("description") or "")) if len(w) > 3}
    described -= _GENERIC | _STOP
    params = {w for key in _properties(_schema_of(tool)) for w in _words(key)} - _GENERIC - _STOP
    score = STRONG * len(name_words & words) + 2 * len((described | params) & words)
    hits = [m.start() for m in _WORD.finditer(prompt) if _stem(m.group()) in name_words]
    hits = hits or [
        m.start() for m in _WORD.finditer(prompt) if _stem(m.group()) in described | params
    ]
    return score, min(hits, default=0)


def places_in(text: str) -> list[str]:
    """Capitalised place names after a preposition ("in Paris and Rome" -> Paris, Rome)."""
    places: list[str] = []
    for found in _PLACES.finditer(text):
        for part in _SPLIT.split(found.group(1)):
            part = part.strip()
            if part and part not in _NOT_PLACES and part not in places:
                places.append(part)
    return places


def numbers_in(text: str) -> list[float]:
    return [float(n) for n in _NUMBER.findall(text)]


def _kind(schema: Schema) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    return str(kind) if kind else "string"


def _bound(schema: Schema, key: str) -> float | None:
    bound = schema.get(key)
    return float(bound) if isinstance(bound, int | float) and not isinstance(bound, bool) else None


def _fits(value: float, schema: Schema) -> bool:
    low, high = _bound(schema, "minimum"), _bound(schema, "maximum")
    return (low is None or value >= low) and (high is None or value <= high)


def _from_prompt(
    props: dict[str, Schema], segment: str, prompt: str
) -> tuple[dict[str, Any], str | None, list[Any]]:
    """Arguments the prompt gives, the parameter that takes several values, and those values."""
    filled: dict[str, Any] = {}
    places = places_in(segment) or places_in(prompt)
    numbers = numbers_in(segment) or numbers_in(prompt)
    numeric = [k for k, s in props.items() if _kind(s) in ("integer", "number") and not _enum(s)]
    low = prompt.lower()
    many: tuple[str | None, list[Any]] = (None, [])
    for key, schema in props.items():
        kind = _kind(schema)
        enum = _enum(schema)
        if enum:
            mentioned = [v for v in enum if isinstance(v, str) and v.lower() in low]
            if mentioned:
                filled[key] = mentioned[0]
        elif kind == "string" and key.lower() in PLACE_NAMES and places:
            filled[key] = places[0]
            if len(places) > 1 and many[0] is None:
                many = (key, places)
        elif kind in ("integer", "number") and numbers:
            position = numeric.index(key)
            if len(numeric) == 1 and len(numbers) > 1 and many[0] is None:
                many = (key, [_typed(n, kind) for n in numbers if _fits(n, schema)])
            if position < len(numbers) and _fits(numbers[position], schema):
                filled[key] = _typed(numbers[position], kind)
    return filled, many[0], many[1]


def _enum(schema: Schema) -> list[Any]:
    enum = schema.get("enum")
    return enum if isinstance(enum, list) else []


def _typed(number: float, kind: str) -> float | int:
    return int(number) if kind == "integer" or number.is_integer() else number


def plan_calls(
    tools: list[dict[str, Any]], prompt: str, string_for: StringFor
) -> list[PlannedCall]:
    """The function calls the prompt asks for (empty when it matches no tool well enough)."""
    words = set(_words(prompt)) - _STOP
    scored = []
    for index, tool in enumerate(tools):
        if tool.get("type") == "function" and isinstance(tool.get("name"), str) and tool["name"]:
            score, position = _score(tool, prompt, words)
            scored.append((score, position, index, tool))
    chosen = [s for s in scored if s[0] >= STRONG]
    if not chosen:
        best = max(scored, key=lambda s: s[0], default=None)
        chosen = [best] if best is not None and best[0] >= WEAK else []
    # Each tool takes its values from the part of the prompt after its own mention.
    chosen.sort(key=lambda s: s[1])
    calls: list[PlannedCall] = []
    for rank, (_, position, index, tool) in enumerate(chosen):
        end = chosen[rank + 1][1] if rank + 1 < len(chosen) else len(prompt)
        segment = prompt[position:end]
        schema = _schema_of(tool)
        base = example_value(schema, "", string_for, where=f"tools[{index}].parameters")
        base = base if isinstance(base, dict) else {}
        filled, key, values = _from_prompt(_properties(schema), segment, prompt)
        arguments = {**base, **filled}
        if key is None:
            calls.append(PlannedCall(index, str(tool["name"]), arguments))
            continue
        for value in values[:MAX_CALLS_PER_TOOL]:
            calls.append(PlannedCall(index, str(tool["name"]), {**arguments, key: value}))
    return calls
