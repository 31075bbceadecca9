"""The ``%%gemini`` and ``%gemini`` magics (``%load_ext gemini_interactions``)."""

from __future__ import annotations

from typing import Any

from .._public import public_home
from ._magics import GeminiMagics

__all__ = ["GeminiMagics", "load_ipython_extension", "unload_ipython_extension"]

_INSTANCE_ATTR = "_gemini_interactions_magics"
_KEPT_ATTR = "_gemini_interactions_kept"
"""The unloaded magics whose chains, backend and settings the next ``%load_ext`` takes back."""


def load_ipython_extension(ipython: Any) -> None:
    """Register ``%%gemini`` / ``%gemini`` and make ``%config GeminiMagics`` work.

    After ``%unload_ext`` (so in ``%reload_ext``) the kernel's chains, backend and ``%config``
    settings are taken back, and one line says so."""
    if getattr(ipython, _INSTANCE_ATTR, None) is not None:
        return
    magics = GeminiMagics(shell=ipython)  # Magics.__init__ adds it to ipython.configurables
    if magics not in ipython.configurables:
        ipython.configurables.append(magics)
    kept = getattr(ipython, _KEPT_ATTR, None)
    if kept is not None:
        setattr(ipython, _KEPT_ATTR, None)
        print(magics.take_over(kept))
    ipython.register_magics(magics)
    from ._help import install_inspector_hooks

    install_inspector_hooks(ipython)
    setattr(ipython, _INSTANCE_ATTR, magics)


def unload_ipython_extension(ipython: Any) -> None:
    """Remove the magics and stop background pollers; the chains and backend are kept for a
    later ``%load_ext`` (``%reload_ext`` keeps working where it was)."""
    magics = getattr(ipython, _INSTANCE_ATTR, None)
    if magics is None:
        return
    magics.detach()
    from ._help import remove_inspector_hooks

    remove_inspector_hooks(ipython)
    tables = ipython.magics_manager.magics
    for kind in ("line", "cell"):
        tables[kind].pop("gemini", None)
    ipython.magics_manager.registry.pop(type(magics).__name__, None)
    # Every copy: a stale instance left there would answer `%config GeminiMagics`.
    ipython.configurables[:] = [c for c in ipython.configurables if c is not magics]
    setattr(ipython, _INSTANCE_ATTR, None)
    setattr(ipython, _KEPT_ATTR, magics)


public_home(__name__, __all__, globals())
