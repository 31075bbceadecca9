"""Shortening values for one-line displays."""

from __future__ import annotations

import json
from typing import Any


def short(value: Any, limit: int = 120) -> str:
    """``value`` as one line of at most ``limit`` characters (JSON for non-strings)."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=repr)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
