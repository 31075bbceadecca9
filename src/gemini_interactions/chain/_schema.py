"""Structured output: a pydantic model, a TypedDict or a JSON-schema dict as ``response_format``,
and the answer parsed and validated back into that type."""

from __future__ import annotations

import json
import sys
import typing
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from ._errors import ChainUsageError
from ._tools import inline_refs


def _is_typeddict(obj: Any) -> bool:
    return isinstance(obj, type) and typing.is_typeddict(obj)


@dataclass
class ResponseSchema:
    """What ``schema=`` became: the JSON Schema sent, and how the answer is read back."""

    source: Any
    json_schema: dict[str, Any]
    adapter: TypeAdapter[Any] | None
    """None for a plain JSON-schema dict: the answer is parsed as JSON, not validated further."""

    @property
    def name(self) -> str:
        return getattr(self.source, "__name__", "schema")

    @property
    def response_format(self) -> dict[str, Any]:
        return {"type": "text", "mime_type": "application/json", "schema": self.json_schema}

    def parse(self, text: str) -> Any:
        """The answer as the schema's type; ``ValueError`` with a readable reason otherwise."""
        cleaned = _strip_fence(text)
        if self.adapter is None:
            try:
                return json.loads(cleaned)
            except ValueError as exc:
                raise ValueError(f"the answer is not JSON ({exc})") from None
        try:
            return self.adapter.validate_json(cleaned)
        except ValidationError as exc:
            # pydantic's text spans lines and links; one line per problem reads better in a cell
            problems = "; ".join(_problem(error) for error in exc.errors()[:3])
            more = len(exc.errors()) - 3
            problems += f" (and {more} more)" if more > 0 else ""
            raise ValueError(f"the answer does not match {self.name}: {problems}") from None


def _problem(error: Any) -> str:
    where = ".".join(str(part) for part in error.get("loc", ()))
    return f"{where}: {error['msg']}" if where else str(error["msg"])


def _strip_fence(text: str) -> str:
    """Models sometimes wrap JSON in a Markdown code fence even when asked for JSON."""
    stripped = text.strip()
    if stripped.startswith("```") and stripped.endswith("```"):
        body = stripped[3:-3]
        return body.split("\n", 1)[1] if "\n" in body else body
    return stripped


def _pydantic_ready(source: type) -> Any:
    """pydantic refuses ``typing.TypedDict`` before Python 3.12; rebuild it as the
    ``typing_extensions`` one (same name, fields and totality) so notebooks need not care."""
    if sys.version_info >= (3, 12) or not _is_typeddict(source):
        return source
    import typing_extensions

    make: Any = typing_extensions.TypedDict
    if type(source) is type(make("_Probe", {})):
        return source
    hints = typing.get_type_hints(source, include_extras=True)
    required = getattr(source, "__required_keys__", frozenset(hints))
    fields = {k: v if k in required else typing_extensions.NotRequired[v] for k, v in hints.items()}
    return make(source.__name__, fields)


def _check_json_schema(schema: dict[str, Any]) -> None:
    """A dict that is not valid JSON Schema (``{"type": 5}``, ``properties`` as a list) is a
    mistake found now, not a 400 from the server later."""
    import importlib

    try:  # an optional check: jsonschema comes with nbformat (untyped, hence Any)
        validators: Any = importlib.import_module("jsonschema.validators")
        exceptions: Any = importlib.import_module("jsonschema.exceptions")
    except ImportError:
        return
    try:
        validators.validator_for(schema).check_schema(schema)
    except exceptions.SchemaError as exc:
        where = "/".join(str(p) for p in exc.path) or "the top level"
        raise ChainUsageError(
            f"The schema dict is not valid JSON Schema at {where}: {exc.message}. Fix the dict, "
            "or use a pydantic model or TypedDict instead."
        ) from None


def response_schema(source: Any) -> ResponseSchema:
    """A ``ResponseSchema`` from a pydantic model class, a TypedDict class or a JSON-schema dict."""
    if isinstance(source, ResponseSchema):
        return source
    if isinstance(source, dict):
        if not source or not any(k in source for k in ("type", "properties", "$ref", "anyOf")):
            raise ChainUsageError(
                "A schema dict must be a JSON Schema (with 'type', 'properties', 'anyOf' or "
                f"'$ref'); got keys {sorted(source)[:5]}."
            )
        _check_json_schema(source)
        return ResponseSchema(source, source, None)
    if isinstance(source, type) and (issubclass(source, BaseModel) or _is_typeddict(source)):
        try:
            adapter: TypeAdapter[Any] = TypeAdapter(_pydantic_ready(source))
            schema = inline_refs(adapter.json_schema())
        except Exception as exc:
            raise ChainUsageError(
                f"{source.__name__} cannot be described as JSON Schema "
                f"({type(exc).__name__}: {str(exc).splitlines()[0]})."
            ) from None
        return ResponseSchema(source, schema, adapter)
    raise ChainUsageError(
        f"{source!r} cannot be a schema: pass a pydantic model class, a TypedDict class or a "
        "JSON-schema dict."
    )
