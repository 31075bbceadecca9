"""The ``%%gemini`` and ``%gemini`` magics (``%load_ext gemini_interactions``)."""

from __future__ import annotations

from typing import Any

from ._magics import GeminiMagics

__all__ = ["GeminiMagics", "load_ipython_extension", "unload_ipython_extension"]

_INSTANCE_ATTR = "_gemini_interactions_magics"


def load_ipython_extension(ipython: Any) -> None:
    """Register ``%%gemini`` / ``%gemini`` and make ``%config GeminiMagics`` work."""
    if getattr(ipython, _INSTANCE_ATTR, None) is not None:
        return
    magics = GeminiMagics(shell=ipython)
    ipython.register_magics(magics)
    ipython.configurables.append(magics)
    setattr(ipython, _INSTANCE_ATTR, magics)


def unload_ipython_extension(ipython: Any) -> None:
    """Remove the magics and stop background pollers."""
    magics = getattr(ipython, _INSTANCE_ATTR, None)
    if magics is None:
        return
    magics.close()
    tables = ipython.magics_manager.magics
    for kind in ("line", "cell"):
        tables[kind].pop("gemini", None)
    ipython.magics_manager.registry.pop(type(magics).__name__, None)
    if magics in ipython.configurables:
        ipython.configurables.remove(magics)
    setattr(ipython, _INSTANCE_ATTR, None)
