"""How a placeholder's ``.attr`` / ``[key]`` path is read: one grammar for ``{name.attr[key]}`` in
a cell and ``{item.col}`` / ``{item[col]}`` in a ``--map`` template (chain layer, so both the map
runner and the magics' interpolation use it)."""

from __future__ import annotations

import re
from typing import Any

PART = re.compile(r"\.([A-Za-z_]\w*)|\[([^\[\]]*)\]")
"""One step of a path: ``.attr`` (group 1) or ``[key]`` (group 2)."""


def parse_key(raw: str) -> Any:
    """A ``[key]`` as the user meant it: ``[0]`` an int, ``['a']`` / ``[a]`` the string."""
    raw = raw.strip()
    if re.fullmatch(r"-?\d+", raw):
        return int(raw)
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"":
        return raw[1:-1]
    return raw


def step(value: Any, part: re.Match[str]) -> Any:
    """``value`` after one path step; raises what ``getattr`` or ``[]`` raises."""
    attr, key = part.group(1), part.group(2)
    return getattr(value, attr) if attr is not None else value[parse_key(key)]
