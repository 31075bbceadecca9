"""Exceptions of the chain layer.

::

    GeminiError (api)
    ├── ChainUsageError    the caller asked for something impossible; nothing was sent or changed
    └── TurnFailedError    the turn was sent and failed (HTTP error, failed stream, tool rounds
                           exhausted); the turn is recorded with its status, the head did not move
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..api._errors import GeminiError

if TYPE_CHECKING:
    from ._turn import Turn


class ChainUsageError(GeminiError, ValueError):
    """A mistake in what was asked (bad option, bad tool, bad schema, turn out of range ...).

    Raised before anything is sent, so the chain is exactly as it was.
    """


class TurnFailedError(GeminiError):
    """A turn reached the server and did not succeed; ``.turn`` is the recorded turn."""

    def __init__(self, message: str, turn: Turn, error: Exception | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.turn = turn
        self.error = error
        """The client's exception (``APIStatusError``, ``APIConnectionError`` ...), if any."""
