"""Deterministic example values for a JSON Schema: function arguments and JSON answers."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

Schema = dict[str, Any]
# Picks a string for a property name (the offline model fills them from the prompt).
StringFor = Callable[[str, Schema], str]
# Past this depth only what the schema requires is generated, so recursive schemas terminate.
DEEP = 4
# Bounds on what one example may cost: a 230-byte schema asking for 10^8 items must not make
# the server build gigabytes. Real answers are far smaller than these.
MAX_ITEMS = 1_000
MAX_STRING = 100_000
MAX_VALUES = 100_000
MAX_CHARS = 1_000_000


def _default_string(name: str, schema: Schema) -> str:
    return f"offline {name or 'value'}"


def _first_type(schema: Schema) -> str | None:
    kind = schema.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"] or kind
        return str(kinds[0]) if kinds else None
    if kind is None and "properties" in schema:
        return "object"
    if kind is None and "items" in schema:
        return "array"
    return str(kind).lower() if kind is not None else None


def _string(name: str, schema: Schema, string_for: StringFor, where: str) -> str:
    fmt = schema.get("format")
    if fmt == "date":
        return "2026-06-01"
    if fmt == "date-time":
        return "2026-06-01T12:00:00Z"
    if fmt == "email":
        return "offline@example.com"
    if fmt in ("uri", "url"):
        return "https://example.com/offline"
    text = string_for(name, schema)
    low = _count(schema, "minLength", where, MAX_STRING) or 0
    high = _count(schema, "maxLength", where, MAX_STRING)
    if len(text) < low:
        text = text + "x" * (low - len(text))
    if high is not None:
        text = text[:high]
    return text


def _bound(schema: Schema, keys: tuple[str, str], where: str) -> float | None:
    for key in keys:
        raw = schema.get(key)
        if raw is None:
            continue
        if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
            raise SchemaRefused(f"{where}.{key} must be a finite number, not {raw!r}.")
        return float(raw)
    return None


def _number(schema: Schema, integer: bool, where: str) -> float | int:
    low = _bound(schema, ("minimum", "exclusiveMinimum"), where)
    high = _bound(schema, ("maximum", "exclusiveMaximum"), where)
    value: float = 1
    if low is not None:
        value = float(low) + (1 if "exclusiveMinimum" in schema else 0)
    if high is not None and value > float(high):
        value = float(high) - (1 if "exclusiveMaximum" in schema else 0)
    return int(value) if integer else float(value)


def _resolve(schema: Schema, root: Schema) -> Schema:
    """``schema`` with a local ``$ref`` (``#/$defs/X``, ``#/definitions/X``) followed.

    Pydantic writes nested models this way, so the chain's schemas and tools depend on it.
    """
    for _ in range(16):
        ref = schema.get("$ref")
        if not isinstance(ref, str) or not ref.startswith("#"):
            return schema
        target: Any = root
        for part in ref[1:].split("/"):
            if part:
                part = part.replace("~1", "/").replace("~0", "~")
                target = target.get(part) if isinstance(target, dict) else None
        if not isinstance(target, dict):
            return {}
        # Sibling keywords of $ref (description, ...) stay; the target supplies the rest.
        schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema


class SchemaRefused(ValueError):
    """A schema the offline model will not build a value for (too big, or a keyword of the wrong
    type); the message names the field."""


def _count(schema: Schema, key: str, where: str, limit: int) -> int | None:
    """``schema[key]`` as a bounded count (minItems, maxLength, ...), or None when absent."""
    raw = schema.get(key)
    if raw is None:
        return None
    if (
        isinstance(raw, bool)
        or not isinstance(raw, int | float)
        or not math.isfinite(raw)  # JSON has no infinity, but Python's json reads one
        or raw < 0
        or raw != int(raw)
    ):
        raise SchemaRefused(f"{where}.{key} must be a non-negative integer, not {raw!r}.")
    if key.startswith("min") and raw > limit:
        raise SchemaRefused(
            f"{where}.{key} is {int(raw)}; the offline model builds at most {limit} there "
            "(a local server limit)."
        )
    return int(raw)


class _Builder:
    """Builds one example value within a budget: no schema makes the server build gigabytes."""

    def __init__(self, string_for: StringFor, root: Schema) -> None:
        self.string_for = string_for
        self.root = root
        self.values = 0
        self.chars = 0

    def _spend(self, where: str, values: int = 1, chars: int = 0) -> None:
        self.values += values
        self.chars += chars
        if self.values > MAX_VALUES or self.chars > MAX_CHARS:
            raise SchemaRefused(
                f"{where}: an example of this schema would exceed the offline model's limit "
                f"of {MAX_VALUES} values and {MAX_CHARS} characters (a local server limit)."
            )

    def value(self, schema: Schema, name: str, depth: int, where: str) -> Any:
        if not isinstance(schema, dict) or depth > 8:
            return None
        schema = _resolve(schema, self.root)
        self._spend(where)
        if "const" in schema:
            return schema["const"]
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            return schema["enum"][0]
        for key in ("anyOf", "oneOf", "allOf"):
            if isinstance(schema.get(key), list) and schema[key]:
                branches = [_resolve(s, self.root) for s in schema[key] if isinstance(s, dict)]
                options = [s for s in branches if _first_type(s) != "null"] or branches
                if not options:
                    return None
                merged = dict(options[0]) if key != "allOf" else _merge(branches)
                return self.value(merged, name, depth + 1, f"{where}.{key}[0]")
        kind = _first_type(schema)
        if kind == "object":
            return self._object(schema, depth, where)
        if kind == "array":
            return self._array(schema, name, depth, where)
        if kind == "integer":
            return _number(schema, True, where)
        if kind == "number":
            return _number(schema, False, where)
        if kind == "boolean":
            return True
        if kind == "null":
            return None
        text = _string(name, schema, self.string_for, where)
        self._spend(where, 0, len(text))
        return text

    def _object(self, schema: Schema, depth: int, where: str) -> dict[str, Any]:
        props = schema.get("properties")
        props = props if isinstance(props, dict) else {}
        if depth >= DEEP:
            # A recursive schema (a tree of nodes) ends with the smallest valid object.
            required = schema.get("required")
            required = required if isinstance(required, list) else []
            wanted = {r for r in required if isinstance(r, str)}
            props = {key: sub for key, sub in props.items() if key in wanted}
        return {
            key: self.value(sub, key, depth + 1, f"{where}.properties.{key}")
            for key, sub in props.items()
        }

    def _array(self, schema: Schema, name: str, depth: int, where: str) -> list[Any]:
        low = _count(schema, "minItems", where, MAX_ITEMS) or 0
        high = _count(schema, "maxItems", where, MAX_ITEMS)
        count = low if depth >= DEEP else max(low, 1)
        if high is not None:
            count = min(count, high)
        item = schema.get("items", {"type": "string"})
        singular = name[:-1] if name.endswith("s") else name
        values = [self.value(item, singular, depth + 1, f"{where}.items") for _ in range(count)]
        if schema.get("uniqueItems") and count > 1 and isinstance(values[0], str):
            values = [f"{v} {i + 1}" for i, v in enumerate(values)]
        return values


def example_value(
    schema: Schema,
    name: str = "",
    string_for: StringFor = _default_string,
    *,
    where: str = "schema",
) -> Any:
    """A value valid against ``schema`` (the common keywords; unknown ones are ignored).

    Raises ``SchemaRefused`` (naming the field, as ``where``.properties.x.minItems) when the
    value would be larger than the offline model's bounds.
    """
    if not isinstance(schema, dict):
        return None
    return _Builder(string_for, schema).value(schema, name, 0, where)


def _merge(schemas: list[Schema]) -> Schema:
    merged: Schema = {}
    for schema in schemas:
        for key, value in schema.items():
            if key == "properties" and isinstance(value, dict):
                merged.setdefault("properties", {}).update(value)
            elif key == "required" and isinstance(value, list):
                names = [r for r in value if isinstance(r, str)]
                merged["required"] = list({*merged.get("required", []), *names})
            else:
                merged.setdefault(key, value)
    return merged
