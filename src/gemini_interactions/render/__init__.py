"""Rendering interactions for people: one view per frontend (``LiveView`` in a notebook,
``TerminalPrinter`` in a terminal), step cards, a text timeline, and what a Turn, a Chain or a
MapResult shows when a cell evaluates to it (installed into the chain layer on import).

This layer reads the api models and chains; it never talks HTTP.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._public import public_home
from ._background import BackgroundView
from ._bundles import METADATA_KEY, answer_outputs, asked_for_thoughts, display_bundle
from ._cards import step_card_html, step_card_text
from ._live import LiveView
from ._printer import TerminalPrinter
from ._repr import install
from ._timeline_text import timeline_text

if TYPE_CHECKING:
    from ..chain import Turn

__all__ = [
    "METADATA_KEY",
    "BackgroundView",
    "LiveView",
    "TerminalPrinter",
    "asked_for_thoughts",
    "display_bundle",
    "static_outputs",
    "step_card_html",
    "step_card_text",
    "timeline_text",
]

install()


def static_outputs(
    turn: Turn, *, extra_metadata: dict[str, Any] | None = None
) -> list[tuple[dict[str, str], dict[str, Any]]]:
    """A finished turn's outputs as a saved notebook holds them: (MIME bundle, metadata) each,
    in order (thoughts if the turn asked for them, step cards, the answer, the status line); the
    last carries the turn's record (``Turn.provenance()``), the others ``{chain, turn, part}``."""
    return answer_outputs(turn, extra_metadata, show_thoughts=asked_for_thoughts(turn))


public_home(__name__, __all__, globals())
