"""Rendering interactions for people: the streamed answer of a cell and a text timeline.

The live view and the timeline widget of the roadmap belong here too. This layer reads the api
models and chains; it never talks HTTP.
"""

from __future__ import annotations

from ._answer_view import METADATA_KEY, AnswerView, BackgroundView, display_bundle
from ._timeline_text import timeline_text

__all__ = ["METADATA_KEY", "AnswerView", "BackgroundView", "display_bundle", "timeline_text"]
