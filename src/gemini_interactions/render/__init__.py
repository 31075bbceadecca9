"""Rendering interactions for people (text now; the live view and timeline widget come next)."""

from __future__ import annotations

from ._timeline_text import timeline_text

__all__ = ["timeline_text"]
