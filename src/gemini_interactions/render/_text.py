"""Shortening values for one-line displays."""

from __future__ import annotations

import json
import re
from typing import Any


def short(value: Any, limit: int = 120) -> str:
    """``value`` as one line of at most ``limit`` characters (JSON for non-strings)."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=repr)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ESC sequences whole (CSI, OSC up to BEL or ST, DCS/SOS/PM/APC up to ST, two-character ones),
# then every control character left but tab and newline (a lone ESC, C1 controls, \r, \b, DEL).
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\|$)"
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\|$)"
    r"|\x1b[ -/]*[0-~]"
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def terminal_safe(text: str) -> str:
    """``text`` from a model or a tool, fit to print on a terminal: no escape sequence (a
    clipboard write, a window title, a cleared screen) and no control character but tab and
    newline (``\\r\\n`` stays a newline). Our own styling is added after this."""
    if not _CONTROLS.search(text):
        return text
    return _CONTROLS.sub("", _ESCAPES.sub("", text.replace("\r\n", "\n")))
