"""Deterministic example values for a JSON Schema: function arguments and JSON answers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Schema = dict[str, Any]
# Picks a string for a property name (the offline model fills them from the prompt).
StringFor = Callable[[str, Schema], str]
# Past this depth only what the schema requires is generated, so recursive schemas terminate.
DEEP = 4


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


def _string(name: str, schema: Schema, string_for: StringFor) -> str:
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
    low, high = int(schema.get("minLength", 0)), schema.get("maxLength")
    if len(text) < low:
        text = text + "x" * (low - len(text))
    if high is not None:
        text = text[: int(high)]
    return text


def _number(schema: Schema, integer: bool) -> float | int:
    low = schema.get("minimum", schema.get("exclusiveMinimum"))
    high = schema.get("maximum", schema.get("exclusiveMaximum"))
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


def example_value(
    schema: Schema,
    name: str = "",
    string_for: StringFor = _default_string,
    depth: int = 0,
    root: Schema | None = None,
) -> Any:
    """A value valid against ``schema`` (the common keywords; unknown ones are ignored)."""
    if not isinstance(schema, dict) or depth > 8:
        return None
    root = schema if root is None else root
    schema = _resolve(schema, root)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        if schema.get(key):
            branches = [_resolve(s, root) for s in schema[key]]
            options = [s for s in branches if _first_type(s) != "null"] or branches
            merged = dict(options[0]) if key != "allOf" else _merge(branches)
            return example_value(merged, name, string_for, depth + 1, root)
    kind = _first_type(schema)
    if kind == "object":
        props: dict[str, Schema] = schema.get("properties", {})
        if depth >= DEEP:
            # A recursive schema (a tree of nodes) ends with the smallest valid object.
            required = set(schema.get("required", []))
            props = {key: sub for key, sub in props.items() if key in required}
        return {
            key: example_value(sub, key, string_for, depth + 1, root) for key, sub in props.items()
        }
    if kind == "array":
        low = int(schema.get("minItems", 0))
        count = low if depth >= DEEP else max(low, 1)
        if schema.get("maxItems") is not None:
            count = min(count, int(schema["maxItems"]))
        item = schema.get("items", {"type": "string"})
        singular = name[:-1] if name.endswith("s") else name
        values = [example_value(item, singular, string_for, depth + 1, root) for _ in range(count)]
        if schema.get("uniqueItems") and count > 1 and isinstance(values[0], str):
            values = [f"{v} {i + 1}" for i, v in enumerate(values)]
        return values
    if kind == "string":
        return _string(name, schema, string_for)
    if kind == "integer":
        return _number(schema, True)
    if kind == "number":
        return _number(schema, False)
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return _string(name, schema, string_for)


def _merge(schemas: list[Schema]) -> Schema:
    merged: Schema = {}
    for schema in schemas:
        for key, value in schema.items():
            if key == "properties":
                merged.setdefault("properties", {}).update(value)
            elif key == "required":
                merged["required"] = list({*merged.get("required", []), *value})
            else:
                merged.setdefault(key, value)
    return merged
