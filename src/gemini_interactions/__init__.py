"""gemini-interactions: Gemini's Interactions API as a first-class citizen of Jupyter."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
