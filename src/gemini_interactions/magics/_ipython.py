"""Typed handles on the untyped parts of IPython the magics use (so mypy --strict holds)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from IPython.core import magic_arguments as _ma

F = TypeVar("F", bound=Callable[..., Any])

magic_arguments = cast(Callable[..., Callable[[F], F]], _ma.magic_arguments)
argument = cast(Callable[..., Callable[[F], F]], _ma.argument)


def parse_argstring(magic: Any, line: str) -> Any:
    """The options of ``line`` as shell words, so ``-s "Be terse."`` loses its quotes
    (IPython's own ``parse_argstring`` keeps them)."""
    import shlex

    from IPython.core.error import UsageError

    try:
        words = shlex.split(line)
    except ValueError as exc:
        raise UsageError(f"Cannot read the options: {exc}") from None
    return magic.parser.parse_args(words)
