"""The source of the functions and classes a chain used (tools, schemas), for the export."""

from __future__ import annotations

import inspect
import textwrap
from collections.abc import Iterable, Mapping
from typing import Any

from ..chain import Turn


def used_objects(
    turns: Iterable[Turn], namespace: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Name -> object (None: unknown) for every tool and schema of ``turns``, first use first."""
    found: dict[str, Any] = {}
    for turn in turns:
        names = [str(n) for n in turn.options.get("tools") or []]
        schema = turn.options.get("schema")
        for name in names:
            value = turn.objects.get(name)
            if value is None and namespace is not None:
                value = namespace.get(name)
            found.setdefault(name, value)
        if schema:
            value = turn.objects.get("schema")
            if value is None and namespace is not None:
                value = namespace.get(str(schema))
            found.setdefault(str(schema), value)
    return found


class SourceText(str):
    """Source kept in a chains file for an object a loaded turn no longer has."""


def source_of(name: str, value: Any) -> tuple[str, str | None]:
    """(code, warning): the object's source, or a comment saying it could not be recovered."""
    if isinstance(value, SourceText):
        return str(value), None
    if value is not None and not isinstance(value, dict):
        try:
            return textwrap.dedent(inspect.getsource(value)).rstrip() + "\n", None
        except (OSError, TypeError):
            rebuilt = _pydantic_source(value)
            if rebuilt is not None:
                return rebuilt, None
    if isinstance(value, dict):
        # A JSON-schema dict is its own source.
        import json

        return f"{name} = {json.dumps(value, indent=2, ensure_ascii=False)}\n", None
    why = "it is not known here" if value is None else "Python cannot find its source"
    warning = (
        f"The source of {name!r} could not be recovered ({why}); the export has a comment in "
        f"its place: define {name} there before running the notebook."
    )
    return (
        f"# TODO: define {name} here: its source could not be recovered at export ({why}).\n",
        warning,
    )


def _pydantic_source(value: Any) -> str | None:
    """A pydantic class rebuilt from its fields (a class typed in a cell has no file on 3.11)."""
    fields = getattr(value, "model_fields", None)
    if not isinstance(value, type) or not isinstance(fields, dict):
        return None
    lines = [f"class {value.__name__}(BaseModel):"]
    for name, info in fields.items():
        annotation = info.annotation
        text = getattr(annotation, "__name__", None) if isinstance(annotation, type) else None
        lines.append(f"    {name}: {text or repr(annotation).replace('typing.', '')}")
    return "\n".join(lines if len(lines) > 1 else [*lines, "    pass"]) + "\n"
