"""What ends a cell in the error state, showing one short paragraph and no traceback.

A mistake or a turn without its answer must stop Run All, nbclient and papermill at that cell, so
the magics raise instead of printing. IPython shows an exception through its
``_render_traceback_`` when it has one (terminal, ``InteractiveShell`` and kernel alike: the
kernel's ``error`` output carries these lines as its traceback), so the user sees the paragraph
alone::

    MagicUsageError (IPython's UsageError)  what was typed cannot work; nothing changed
    TurnFailed                               the turn was sent and did not produce its answer
    TurnInterrupted (KeyboardInterrupt)      the user stopped the turn; its partial answer is kept
"""

from __future__ import annotations

from IPython.core.error import UsageError


class _Paragraph:
    """Shown by IPython as its message alone."""

    def _render_traceback_(self) -> list[str]:
        return [str(self)]


class MagicUsageError(_Paragraph, UsageError):
    """What the user typed cannot work; the message says what is wrong and how to fix it."""


class TurnFailed(_Paragraph, Exception):
    """The turn reached the server and produced no answer (API error, failed stream, tool
    rounds exhausted, an answer that does not fit the schema); the turn is recorded."""


class TurnInterrupted(_Paragraph, KeyboardInterrupt):
    """The user interrupted the turn; like any ``KeyboardInterrupt`` it fails the cell."""
