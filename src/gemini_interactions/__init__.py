"""gemini-interactions: Gemini's Interactions API as a first-class citizen of Jupyter.

``%load_ext gemini_interactions`` registers the ``%%gemini`` magics. Importing this package is
cheap on purpose: the client, the chain and the server are imported from their subpackages
(``gemini_interactions.api``, ``.chain``, ``.server``) when used.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = ["__version__", "load_ipython_extension", "unload_ipython_extension"]


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext gemini_interactions``: register ``%%gemini`` and ``%gemini``."""
    from .magics import load_ipython_extension as load

    load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    """``%unload_ext gemini_interactions``: remove them."""
    from .magics import unload_ipython_extension as unload

    unload(ipython)
