"""How a ``Turn``, a ``Chain`` or a ``MapResult`` shows itself when a cell evaluates to it
(IPython's ``_repr_mimebundle_``, as rich's objects do).

The bundles are the render layer's, and this layer may not import it (``tests/test_layers.py``:
chain stands on its own, without IPython or render). So render installs its renderer here when
it is imported (``%load_ext gemini_interactions`` does); until then these objects show their
``repr``, as IPython does for any object whose ``_repr_mimebundle_`` returns None.
"""

from __future__ import annotations

from collections.abc import Callable, Container
from typing import Any

__all__ = ["Bundle", "install_renderer", "mimebundle"]

Bundle = tuple[dict[str, str], dict[str, Any]]
Renderer = Callable[[object], Bundle | None]

_renderer: list[Renderer] = []


def install_renderer(renderer: Renderer) -> None:
    """Make ``renderer`` draw every Turn, Chain and MapResult (the last one installed wins)."""
    _renderer[:] = [renderer]


def mimebundle(
    obj: object, include: Container[str] | None = None, exclude: Container[str] | None = None
) -> Bundle | None:
    """``obj``'s (data, metadata) as IPython asks for it: only the MIME types in ``include``
    (all when None), none of those in ``exclude``; None without a renderer."""
    if not _renderer:
        return None
    shown = _renderer[0](obj)
    if shown is None:
        return None
    data, metadata = shown
    data = {
        mime: value
        for mime, value in data.items()
        if (include is None or mime in include) and (exclude is None or mime not in exclude)
    }
    return data, metadata
