"""``{name}`` interpolation in prompts that does not break code, JSON or f-strings.

Only a placeholder whose leading name exists in the user namespace is replaced: ``{name}``,
``{name.attr}``, ``{name[key]}`` and chains of those. Everything else stays as typed, so
``{"a": {"b": 1}}``, ``def f(): return {}`` and ``f"{x:>4}"`` pass through untouched (jupyter-ai
replaces every brace pair and breaks them).

``{{name}}`` is the escape for a literal ``{name}`` when ``name`` exists (and ``{{{name}}}`` is
the value in braces, as in an f-string). When ``name`` does not exist, ``{{name}}`` stays as typed,
so pasted Jinja, Mustache or Vue templates and f-string code are not rewritten. IPython's own
variables (``_``, ``_i``, ``_3``, ``In``, ``Out``, dunders ...) are never filled in: ``{_}`` in
pasted code is code, not the last output.
"""

from __future__ import annotations

import re
from collections.abc import Container, Mapping
from typing import Any

from ..api._secret import Secret
from ._errors import ChainUsageError
from ._paths import PART, step

PATH = r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*|\[[^\[\]{}\n]*\])*"
_PLACEHOLDER = re.compile(
    r"\{\{\{(" + PATH + r")\}\}\}|\{\{(" + PATH + r")\}\}|\{(" + PATH + r")\}"
)
_IPYTHON_NAMES = re.compile(r"_+|_i+|_i?\d+|__\w+__")
"""Names IPython puts in the user namespace (outputs, inputs, dunders), never interpolated."""


def lookup(path: str, namespace: Mapping[str, Any]) -> Any:
    """The value of ``name.attr[key]...`` in ``namespace`` (no ``eval``); ``KeyError`` for a
    missing leading name, ``ChainUsageError`` for a missing attribute or key."""
    match = re.match(r"[A-Za-z_]\w*", path)
    if match is None:
        raise KeyError(path)
    name = match.group(0)
    if name not in namespace:
        raise KeyError(name)
    value = namespace[name]
    rest = path[match.end() :]
    for part in PART.finditer(rest):
        attr, key = part.group(1), part.group(2)
        try:
            value = step(value, part)
        except (AttributeError, KeyError, IndexError, TypeError) as exc:
            what = f".{attr}" if attr is not None else f"[{key}]"
            raise ChainUsageError(
                f"Cannot fill in {{{path}}}: {name}{rest[: part.end()]} fails at {what} "
                f"({type(exc).__name__}: {exc}). Fix the expression, write {{{{{path}}}}} for "
                "a literal, or add --raw to turn interpolation off."
            ) from None
    return value


def resolve(name: str, namespace: Mapping[str, Any], what: str, hint: str) -> Any:
    """The value the variable path ``name`` names (a ``--tools``, ``--schema``, ``--map`` or
    ``--context`` argument: ``what``), or one paragraph ending with ``hint``."""
    if not re.fullmatch(PATH, name):
        raise ChainUsageError(f"{name!r} is not a variable name ({what}). {hint}")
    try:
        return lookup(name, namespace)
    except KeyError:
        raise ChainUsageError(
            f"Unknown {what} {name!r}: there is no variable {name.split('.')[0]!r} in this "
            f"notebook. {hint}"
        ) from None


def _leading_name(path: str) -> str:
    match = re.match(r"[A-Za-z_]\w*", path)
    return match.group(0) if match else ""


def interpolate(
    text: str,
    namespace: Mapping[str, Any],
    *,
    hidden: Container[str] = (),
    secrets: tuple[Secret, ...] = (),
) -> str:
    """``text`` with its placeholders filled from ``namespace`` (see the module docstring).

    Names in ``hidden`` (IPython's ``user_ns_hidden``) are left alone like missing ones. A value
    containing one of ``secrets`` (the API key) is refused: a prompt must never carry it.
    """

    def known(path: str) -> bool:
        name = _leading_name(path)
        return (
            name in namespace
            and name not in hidden
            and (name == "_gemini" or not _IPYTHON_NAMES.fullmatch(name))
        )

    def fill(path: str) -> str:
        value = str(lookup(path, namespace))
        if any(secret and secret.get() in value for secret in secrets):
            raise ChainUsageError(
                f"{{{path}}} holds your API key, so it is not put into the prompt (prompts are "
                "sent, shown and saved). Remove it from the prompt, or add --raw to keep the "
                "braces as typed."
            )
        return value

    def replace(match: re.Match[str]) -> str:
        tripled, escaped, path = match.group(1), match.group(2), match.group(3)
        if tripled is not None:
            return "{" + fill(tripled) + "}" if known(tripled) else match.group(0)
        if escaped is not None:
            return "{" + escaped + "}" if known(escaped) else match.group(0)
        return fill(path) if known(path) else match.group(0)

    return _PLACEHOLDER.sub(replace, text)
