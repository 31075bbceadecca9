"""Chains out of the kernel: a runnable notebook (with a replay cassette), a plain script, and
a JSON file that ``load`` reads back. Knows the chain, the api models and nbformat; never
IPython or the renderers (the magics pass the live view's outputs in as ``outputs=``).

::

    from gemini_interactions.export import to_notebook, write_notebook, save_chains, load_chains
    write_notebook("chat.ipynb", to_notebook(chain, cassette=True))
    save_chains("chains.json", [chain]);  chains, current = load_chains("chains.json")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._public import public_home
from ._errors import ExportError
from ._script import to_script
from ._store import ChainFileError, load_chains, save_chains, write_atomic

if TYPE_CHECKING:
    from ._notebook import NotebookExport, OutputsFor, text_outputs, to_notebook, write_notebook
    from ._replay import TurnCheck, replay

# nbformat (and jsonschema under it) take seconds to import on a busy machine: saving chains
# after a turn (autosave, `%gemini save`) must not wait for them, so notebooks load on first use.
_LAZY = {
    "NotebookExport": "._notebook",
    "OutputsFor": "._notebook",
    "text_outputs": "._notebook",
    "to_notebook": "._notebook",
    "write_notebook": "._notebook",
    "TurnCheck": "._replay",
    "replay": "._replay",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module, __name__), name)
    public_home(__name__, [name], {name: value})
    globals()[name] = value
    return value


__all__ = [
    "ChainFileError",
    "ExportError",
    "NotebookExport",
    "OutputsFor",
    "TurnCheck",
    "load_chains",
    "replay",
    "save_chains",
    "text_outputs",
    "to_notebook",
    "to_script",
    "write_atomic",
    "write_notebook",
]

public_home(__name__, [n for n in __all__ if n not in _LAZY], globals())
