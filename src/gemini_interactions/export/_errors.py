"""What export refuses, in one paragraph a person can act on."""

from __future__ import annotations


class ExportError(ValueError):
    """An export that cannot be made as asked (no turns, a bad --turns spec, a bad path)."""
