"""The one exception the magics raise for a user mistake: its message is shown, nothing else."""

from __future__ import annotations


class MagicUsageError(Exception):
    """What the user typed cannot work; the message says what is wrong and how to fix it."""
