"""Code in answers and cards, highlighted by Pygments into a few short CSS classes.

Only the tokens a reader scans for get a colour (keywords, strings, comments, names being
defined, builtins, decorators); names, numbers, operators and punctuation stay plain, so a line
of code costs a few dozen bytes more, not twice its size. The colours are JupyterLab's own editor
variables (``--jp-mirror-editor-*``), so the light and dark themes both read; their fallbacks
are Pygments' light defaults for pages with no JupyterLab theme. GitHub strips ``class`` and
``<style>``: the code stays as plain monospace there. A block longer than ``HIGHLIGHT_CHARS``
is left plain: bytes and kernel time stay bounded per block.
"""

from __future__ import annotations

from functools import lru_cache
from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pygments.lexer import Lexer

__all__ = ["HIGHLIGHT_CHARS", "STYLE", "highlight"]

HIGHLIGHT_CHARS = 20_000
"""A code block longer than this is shown plain (a 100 KB generated block gains nothing)."""

_VAR = "--jp-mirror-editor-"
_KINDS = {  # kind: (open tag, close tag, selector, JupyterLab variable, light fallback)
    # The three most frequent kinds are bare tags whose look without a stylesheet (GitHub, an
    # untrusted notebook) is right or neutral: keywords bold, comments italic, strings plain
    # (``tt`` in a ``pre``); 7-9 bytes a token instead of 21 for a ``span`` with a class.
    "k": ("<b>", "</b>", "b", "keyword", "#008000"),
    "c": ("<i>", "</i>", "i", "comment", "#408080"),
    "s": ("<tt>", "</tt>", "tt", "string", "#ba2121"),
    "f": ("<span class=f>", "</span>", ".f", "def", "#00f"),
    "n": ("<span class=n>", "</span>", ".n", "builtin", "#008000"),
    "d": ("<span class=d>", "</span>", ".d", "meta", "#a2f"),
}
STYLE = (
    "<style>.gi-hl tt{font:inherit}"
    + "".join(
        f".gi-hl {sel}{{color:var({_VAR}{var}-color,{fallback})}}"
        for _, _, sel, var, fallback in _KINDS.values()
    )
    + "</style>"
)
"""The tokens' colours (about 400 bytes): sent once per turn, in its last output (``_style``),
not with every code block (a short block would cost more in stylesheet than in code)."""


def _class(token: object) -> str | None:
    from pygments import token as t

    if token in t.Keyword or token in t.Name.Builtin.Pseudo:
        return "k"
    if token in t.String:
        return "s"
    if token in t.Comment:
        return "c"
    if token in t.Name.Function or token in t.Name.Class:
        return "f"
    if token in t.Name.Builtin:
        return "n"
    if token in t.Name.Decorator:
        return "d"
    return None


@lru_cache(maxsize=64)
def _lexer(language: str) -> Lexer | None:
    """One lexer per language (finding it by name costs more than lexing a short block)."""
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        return get_lexer_by_name(language, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None


def highlight(code: str, language: str) -> str | None:
    """``code`` as escaped HTML with a short tag (``_KINDS``) around the tokens worth a colour;
    None when the language is unknown, the block too long, or nothing got a colour (the
    caller shows it plain and sends no stylesheet)."""
    if not language or len(code) > HIGHLIGHT_CHARS:
        return None
    lexer = _lexer(language.lower())
    if lexer is None:
        return None
    out: list[str] = []
    coloured = False
    run_class: str | None = None
    run: list[str] = []

    def flush() -> None:
        text = escape("".join(run), quote=False)
        if run_class:
            start, end = _KINDS[run_class][:2]
            out.append(f"{start}{text}{end}")
        else:
            out.append(text)
        run.clear()

    for token, value in lexer.get_tokens(code):
        cls = _class(token) if value.strip() else run_class  # whitespace joins the run
        if cls != run_class and run:
            flush()
        run_class = cls
        run.append(value)
        coloured |= cls is not None
    if run:
        flush()
    return "".join(out) if coloured else None
