"""Request bodies as strict JSON in valid UTF-8, or a clear refusal saying where they are not.

Python strings can hold lone surrogates (``b'caf\\xe9'.decode('utf-8', 'surrogateescape')``)
and floats can be NaN or infinite; neither can be sent (UTF-8 has no surrogates; JSON has no
NaN). ``encode_body`` refuses such a body with the path of the first bad value; ``clean`` is what
a caller who prefers sending uses first: bad characters replaced by U+FFFD and non-finite numbers
by strings, counted so the caller can say so in one line.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

from ._errors import ConfigurationError

REPLACEMENT = "\ufffd"
_SURROGATES = re.compile("[\ud800-\udfff]")


def _is_surrogate(char: str) -> bool:
    return "\ud800" <= char <= "\udfff"


def _nonfinite_name(value: float) -> str:
    return "NaN" if math.isnan(value) else "Infinity" if value > 0 else "-Infinity"


def _where(path: list[str | int]) -> str:
    out = "body"
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _first_problem(value: Any, path: list[str | int]) -> str | None:
    if isinstance(value, str):
        for index, char in enumerate(value):
            if _is_surrogate(char):
                return (
                    f"{_where(path)} contains a lone surrogate (U+{ord(char):04X}) at character "
                    f"{index + 1}, which is not valid Unicode text (it comes from bytes decoded "
                    "with errors='surrogateescape' or a broken emoji)"
                )
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return f"{_where(path)} is {_nonfinite_name(value)}, which JSON cannot carry"
    if isinstance(value, dict):
        for key, item in value.items():
            found = _first_problem(str(key), [*path, "<key>"]) or _first_problem(
                item, [*path, str(key)]
            )
            if found:
                return found
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            found = _first_problem(item, [*path, index])
            if found:
                return found
    return None


def encode_body(body: Any) -> bytes:
    """``body`` as UTF-8 JSON; a ``ConfigurationError`` naming the first value that cannot be."""
    try:
        return json.dumps(body, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except (UnicodeEncodeError, ValueError) as exc:
        problem = _first_problem(body, []) or f"it is not valid JSON text ({exc})"
        raise ConfigurationError(
            f"The request was not sent: {problem}. Replace it (for text: "
            "text.encode('utf-8', 'replace').decode()) and try again."
        ) from None


@dataclass
class Cleaned:
    value: Any
    replaced: int = 0
    """Characters replaced by U+FFFD."""
    nonfinite: int = 0
    """NaN and infinite numbers sent as strings."""

    def notice(self, what: str) -> str | None:
        """One line saying what was changed in ``what``, or None when nothing was."""
        parts = []
        if self.replaced:
            parts.append(
                f"{self.replaced} character(s) that are not valid Unicode text (lone surrogates) "
                "were replaced by \ufffd"
            )
        if self.nonfinite:
            parts.append(
                f"{self.nonfinite} NaN/Infinity value(s), which JSON cannot carry, were sent as "
                'strings ("NaN", "Infinity")'
            )
        return f"Note: in {what}, {' and '.join(parts)}." if parts else None


def clean(value: Any, *, numbers: bool = True) -> Cleaned:
    """A copy of a JSON-like value that ``encode_body`` accepts, and what had to change.

    ``numbers=False`` leaves NaN and infinities alone (for the caller's own options, where one
    is a mistake to refuse, not data to pass on)."""
    result = Cleaned(None)

    def text(item: str) -> str:
        fixed, count = _SURROGATES.subn(REPLACEMENT, item)
        result.replaced += count
        return fixed

    def walk(item: Any) -> Any:
        if isinstance(item, str):
            return text(item)
        if numbers and isinstance(item, float) and not math.isfinite(item):
            result.nonfinite += 1
            return _nonfinite_name(item)
        if isinstance(item, dict):
            return {text(str(k)) if isinstance(k, str) else k: walk(v) for k, v in item.items()}
        if isinstance(item, (list, tuple)):
            return [walk(v) for v in item]
        return item

    result.value = walk(value)
    return result
