"""Public names show their public home: ``gemini_interactions.api.Client``, not ``..._client``.

Each public package calls ``public_home(__name__, __all__, globals())`` last, as httpx does, so
reprs, tracebacks, ``help()`` and pickles name the module a user imports from, and a module
moved inside the package changes none of them.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Mapping


def public_home(module: str, names: Iterable[str], namespace: Mapping[str, object]) -> None:
    """Set ``__module__`` to ``module`` on every class and function among ``names`` (constants
    and type aliases have no module of their own and are left alone)."""
    for name in names:
        value = namespace[name]
        if inspect.isclass(value) or inspect.isfunction(value):
            value.__module__ = module
