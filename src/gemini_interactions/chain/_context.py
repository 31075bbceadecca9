"""Compact descriptions of notebook variables for a prompt (``--context``), within a budget.

Duck-typed: pandas and numpy are never imported here; a DataFrame is anything with ``shape``,
``dtypes`` and ``head``, an array anything with ``shape``, ``dtype`` and ``min``/``max``.
"""

from __future__ import annotations

import contextlib
from typing import Any

DEFAULT_CONTEXT_CHARS = 4000


def _frame(value: Any) -> str:
    dtypes = ", ".join(f"{c}: {t}" for c, t in value.dtypes.items())
    parts = [f"DataFrame, shape {tuple(value.shape)}", f"dtypes: {dtypes}"]
    # A frame that cannot print its head or describe itself still has a shape and dtypes.
    with contextlib.suppress(Exception):
        parts.append("head():\n" + value.head().to_string())
    with contextlib.suppress(Exception):
        parts.append("describe():\n" + value.describe().to_string())
    return "\n".join(parts)


def _array(value: Any) -> str:
    text = f"array, shape {tuple(value.shape)}, dtype {value.dtype}"
    with contextlib.suppress(Exception):  # empty or not orderable: no range
        text += f", range {value.min()} to {value.max()}"
    return text


def _collection(value: Any) -> str:
    items = list(value.items())[:5] if isinstance(value, dict) else list(value)[:5]
    kinds = sorted(
        {type(v).__name__ for v in (value.values() if isinstance(value, dict) else value)}
    )
    return (
        f"{type(value).__name__} of length {len(value)}, types {', '.join(kinds) or '-'}; "
        f"first items: {items!r}"
    )


def describe(value: Any) -> str:
    """One variable, compactly: shape and types, never its whole content."""
    if hasattr(value, "dtypes") and hasattr(value, "head") and hasattr(value, "shape"):
        return _frame(value)
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        return _array(value)
    if isinstance(value, dict | list | tuple | set):
        return _collection(value)
    if isinstance(value, str):
        start = value[:300]
        return f"str of {len(value)} characters, starting: {start!r}"
    return f"{type(value).__name__}: {repr(value)[:300]}"


def context_block(variables: dict[str, Any], budget: int = DEFAULT_CONTEXT_CHARS) -> str:
    """The variables' descriptions, cut to ``budget`` characters in all (each gets its share)."""
    if not variables:
        return ""
    share = max(80, budget // len(variables))
    parts = []
    for name, value in variables.items():
        text = f"## {name}\n{describe(value)}"
        if len(text) > share:
            text = text[: share - 14] + "\n[… cut short]"
        parts.append(text)
    block = "Notebook variables:\n" + "\n\n".join(parts)
    return block[:budget]
