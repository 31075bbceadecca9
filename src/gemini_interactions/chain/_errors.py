"""Exceptions of the chain layer.

::

    GeminiError (api)
    ├── ChainUsageError    the caller asked for something impossible; nothing was sent or changed
    └── TurnFailedError    the turn was sent and failed (HTTP error, failed stream, tool rounds
                           exhausted); the turn is recorded with its status, the head did not move

Their messages speak Python: they name ``send`` parameters (``from_turn=N``, ``store=False``).
A message that names parameters keeps them apart (``parameters``), so a shell over the chain
can say the same with its own words for them: ``spelled(spell)`` (the magics write ``--from N``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..api._errors import GeminiError

if TYPE_CHECKING:
    from ._turn import Turn

Spelling = Callable[[str, str], str]
"""How a parameter is written, from its name and value as typed (``"from_turn", "N"``)."""

_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def python_spelling(name: str, value: str) -> str:
    """A ``send`` keyword argument as typed in Python: ``from_turn=N``, ``store=False``."""
    return f"{name}={value}"


class _Spelled:
    """A message with ``{name}`` placeholders for the parameters it names."""

    template: str
    parameters: dict[str, str]
    """Each parameter the message names, with its value as typed (``""``: any value)."""

    def spelled(self, spell: Spelling) -> str:
        """The message with every parameter written by ``spell``."""
        return _spell(self.template, self.parameters, spell)


def _spell(template: str, parameters: dict[str, str], spell: Spelling) -> str:
    if not parameters:
        return template  # literal braces (JSON in a schema error) stay as they are

    def one(match: re.Match[str]) -> str:
        name = match[1]
        return spell(name, parameters[name]) if name in parameters else match[0]

    return _PLACEHOLDER.sub(one, template)


class ChainUsageError(_Spelled, GeminiError, ValueError):
    """A mistake in what was asked (bad option, bad tool, bad schema, turn out of range ...).

    Raised before anything is sent, so the chain is exactly as it was. ``option`` is the
    ``send`` option the mistake is in (``"schema"``, ``"tools"``, ``"attachments"``), if one is.
    """

    def __init__(self, message: str, *, option: str | None = None, **parameters: str) -> None:
        self.template = message
        self.parameters = parameters
        self.option = option
        super().__init__(_spell(message, parameters, python_spelling))


class TurnFailedError(_Spelled, GeminiError):
    """A turn reached the server and did not succeed; ``.turn`` is the recorded turn."""

    def __init__(
        self, message: str, turn: Turn, error: Exception | None = None, **parameters: str
    ) -> None:
        self.template = message
        self.parameters = parameters
        self.message = _spell(message, parameters, python_spelling)
        super().__init__(self.message)
        self.turn = turn
        self.error = error
        """The client's exception (``APIStatusError``, ``APIConnectionError`` ...), if any."""
