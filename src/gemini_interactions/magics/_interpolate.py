"""``{name}`` interpolation in prompts that does not break code, JSON or f-strings.

Only a placeholder whose leading name exists in the user namespace is replaced: ``{name}``,
``{name.attr}``, ``{name[key]}`` and chains of those. Everything else stays as typed, so
``{"a": {"b": 1}}``, ``def f(): return {}`` and ``f"{x:>4}"`` pass through untouched (jupyter-ai
replaces every brace pair and breaks them). ``{{name}}`` is the escape for a literal ``{name}``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ._errors import MagicUsageError

_PATH = r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*|\[[^\[\]{}\n]*\])*"
_PLACEHOLDER = re.compile(r"\{\{(" + _PATH + r")\}\}|\{(" + _PATH + r")\}")
_PART = re.compile(r"\.([A-Za-z_]\w*)|\[([^\[\]]*)\]")


def _key(raw: str) -> Any:
    raw = raw.strip()
    if re.fullmatch(r"-?\d+", raw):
        return int(raw)
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"":
        return raw[1:-1]
    return raw


def lookup(path: str, namespace: Mapping[str, Any]) -> Any:
    """The value of ``name.attr[key]...`` in ``namespace`` (no ``eval``); ``KeyError`` for a
    missing leading name, ``MagicUsageError`` for a missing attribute or key."""
    match = re.match(r"[A-Za-z_]\w*", path)
    if match is None:
        raise KeyError(path)
    name = match.group(0)
    if name not in namespace:
        raise KeyError(name)
    value = namespace[name]
    rest = path[match.end() :]
    for part in _PART.finditer(rest):
        attr, key = part.group(1), part.group(2)
        try:
            value = getattr(value, attr) if attr is not None else value[_key(key)]
        except (AttributeError, KeyError, IndexError, TypeError) as exc:
            what = f".{attr}" if attr is not None else f"[{key}]"
            raise MagicUsageError(
                f"Cannot fill in {{{path}}}: {name}{rest[: part.end()]} fails at {what} "
                f"({type(exc).__name__}: {exc}). Fix the expression, write {{{{{path}}}}} for "
                "a literal, or add --raw to turn interpolation off."
            ) from None
    return value


def interpolate(text: str, namespace: Mapping[str, Any]) -> str:
    """``text`` with its placeholders filled from ``namespace`` (see the module docstring)."""

    def replace(match: re.Match[str]) -> str:
        escaped, path = match.group(1), match.group(2)
        if escaped is not None:
            return "{" + escaped + "}"
        try:
            return str(lookup(path, namespace))
        except KeyError:
            return match.group(0)

    return _PLACEHOLDER.sub(replace, text)
