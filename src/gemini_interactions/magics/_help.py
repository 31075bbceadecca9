"""``%%gemini?`` and ``%gemini?`` through IPython's inspector, and the README's reference with
``%config GeminiMagics``'s settings; the help itself is ``render/_help.py``'s.

IPython's inspector ``mime_hooks`` replace its raw-docstring text (``Docstring:``, reST markup,
a ``File:`` line) for our two magics only; every other object's help is left as IPython makes it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def _config_rows() -> Iterator[list[str]]:
    """``%config GeminiMagics``'s settings: name, default, help."""
    from ..render._help import code, escape
    from ._magics import GeminiMagics

    for name, trait in sorted(GeminiMagics.class_traits(config=True).items()):
        value = trait.default()  # a container's default is made per instance
        default = repr(value).replace("'", '"') if isinstance(value, str) else repr(value)
        what = escape(" ".join(str(trait.help).split()))
        yield [code(f"GeminiMagics.{name}"), code(default), what]


def reference_markdown() -> str:
    """The README's whole reference, between (and including) its two markers."""
    from ..render import _help

    return _help.reference_markdown(_config_rows())


# --- IPython's inspector --------------------------------------------------------------------------


def _ours(data: Any) -> str | None:
    """ "cell" or "line" when the inspected object is one of our magics."""
    from ._magics import GeminiMagics

    obj = getattr(getattr(data, "obj", None), "__func__", getattr(data, "obj", None))
    if obj is GeminiMagics.gemini:
        return "cell"
    return "line" if obj is GeminiMagics.gemini_line else None


def install_inspector_hooks(shell: Any) -> None:
    """``%%gemini?`` / ``%gemini?`` show our help as a table (``text/markdown``, which
    notebooks render: IPython drops ``text/html`` from ``?`` unless its HTML pager is on; the
    inspector panel, Shift+Tab, shows it) and as wrapped text; a hook someone else set is kept
    for every other object."""
    inspector: Any = getattr(shell, "inspector", None)
    hooks = getattr(inspector, "mime_hooks", None)
    if not isinstance(hooks, dict) or getattr(inspector, "_gemini_hooks", False):
        return
    previous = dict(hooks)

    def hook(mime: str) -> Any:
        def show(data: Any) -> Any:
            kind = _ours(data)
            if kind is None:
                other = previous.get(mime)
                return other(data) if other else None
            from ..render._help import cell_help, commands_help

            bundle = cell_help() if kind == "cell" else commands_help()
            if mime == "text/markdown":
                return bundle[mime]
            if mime == "text/html":
                from ..render._markdown import markdown_html  # help's own text, no model output

                title = "%%gemini" if kind == "cell" else "%gemini"
                return [(title, markdown_html(bundle["text/markdown"]))]
            # The inspector joins (title, body) pairs: one pair, titled like the usage line.
            if kind == "line":
                return [("%gemini COMMAND", bundle["text/plain"])]
            title, _, text = bundle["text/plain"].partition("\n")
            return [(title, text)]

        return show

    mimes = ("text/plain", "text/markdown", "text/html")
    inspector.mime_hooks = {**hooks, **{mime: hook(mime) for mime in mimes}}
    inspector._gemini_hooks = previous


def remove_inspector_hooks(shell: Any) -> None:
    inspector: Any = getattr(shell, "inspector", None)
    previous = getattr(inspector, "_gemini_hooks", None)
    if previous is None or previous is False:  # never installed, or removed already
        return
    inspector.mime_hooks = previous
    inspector._gemini_hooks = False
