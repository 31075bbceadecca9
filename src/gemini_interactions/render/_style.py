"""How every card and answer looks: one border, one badge, one default fold, one answer container.

Cards are ``details`` with the same inline border (JupyterLab's CSS variables, with fallbacks,
so both themes read) and a status badge; a card is open while its step runs and folded once
done, except the answer. The answer sits in a light container (a rule on its left), its
headings scaled below the notebook's own (inline, in ``_markdown``).

A long answer folds without JavaScript: its blocks past ``FOLD_CHARS`` carry ``gi-late``, and
the turn's last output carries a "show all" ``details`` and a stylesheet that hides those
blocks while it is closed (``:has``; the live view's blocks are separate outputs, so the fold
is a rule over the cell's output area, not one element). Where styles are stripped (GitHub)
everything shows. A copy button is added to the answer's code blocks by a script, so it
appears only where scripts run.
"""

from __future__ import annotations

import re
from html import escape

from ._highlight import STYLE

__all__ = [
    "CARD_STYLE",
    "FOLD_CHARS",
    "NO_TEX",
    "SHEET",
    "badge",
    "card",
    "fold_control",
    "fold_point",
]

NO_TEX = "mathjax_ignore tex2jax_ignore"
"""The class that keeps MathJax (JupyterLab's and Notebook 7's ``mathjax_ignore``, nbconvert's
``tex2jax_ignore``) off our own text: two ``$`` in one line of it (a prompt's "$5 or $6", a
cost beside a prompt) would be typeset as LaTeX. The answer itself is left to it."""

CARD_STYLE = (
    "border:1px solid var(--jp-border-color2,#ccc);border-radius:4px;padding:2px 8px;margin:4px 0"
)
_BADGE_COLOURS = {
    "running": "var(--jp-warn-color1,#b26b00)",
    "done": "var(--jp-success-color1,#2e7d32)",
    "error": "var(--jp-error-color1,#c62828)",
}
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_CODE = re.compile(r"^ {0,3}(?:`{3,}|~{3,})", re.M)
FOLD_CHARS = 3000
"""An answer longer than this (about 500 words, a screen) shows its first blocks, folds the rest."""

_OUT = ".jp-OutputArea-output"
SHEET = (
    f"<style>:is({_OUT}:has(>.gi-a),.gi-tail){{border-left:3px solid var(--jp-border-color2,#ddd);"
    "padding-left:10px}"
    f".jp-OutputArea:has(details.gi-more:not([open])) :is(.gi-late,"
    f".jp-OutputArea-child:has({_OUT}>.gi-late:first-child):not(:has(.gi-more))){{display:none}}"
    f"{_OUT} pre{{position:relative}}"
    ".gi-copy{position:absolute;top:2px;right:2px;font-size:11px;opacity:.7;cursor:pointer}"
    "</style>"
)
_COPY = (  # after the outputs are in the page; in the cell's output area only
    "<script>(()=>{const s=document.currentScript;setTimeout(()=>{"
    "const a=s&&s.isConnected?s.closest('.jp-OutputArea')||document.body:document.body;"
    "for(const m of a.querySelectorAll('.gi-a'))"
    "for(const p of m.parentElement.querySelectorAll('pre')){"
    "if(p.querySelector('.gi-copy'))continue;const b=document.createElement('button');"
    "b.className='gi-copy';b.textContent='copy';b.title='Copy the code';"
    "b.onclick=()=>{const c=p.querySelector('code')||p;navigator.clipboard.writeText(c.innerText)"
    ".then(()=>{b.textContent='copied'},()=>{b.textContent='select to copy'})};p.append(b)}"
    "},0)})()</script>"
)


def badge(status: str) -> str:
    colour = _BADGE_COLOURS.get(status, "inherit")
    return f'<code style="color:{colour}">{escape(status)}</code>'


def card(summary: str, body: str, *, open_: bool = False) -> str:
    """A card: ``summary`` (already HTML) and ``body``, bordered like every other card."""
    flag = " open" if open_ else ""
    return f'<details{flag} style="{CARD_STYLE}"><summary>{summary}</summary>{body}</details>'


def fold_point(markdown: str, start: int = 0) -> int | None:
    """Where a piece of the answer that starts at ``start`` in the whole answer is folded: 0 if
    it starts past ``FOLD_CHARS``, else the first block boundary (a blank line outside a code
    fence) past it with words after it, else None (nothing of this piece is folded)."""
    if start >= FOLD_CHARS:
        return 0
    if start + len(markdown) <= FOLD_CHARS:
        return None
    cut = _boundary_after(markdown, FOLD_CHARS - start)
    return cut if cut is not None and markdown[cut:].strip() else None


def _boundary_after(markdown: str, at: int) -> int | None:
    """The end of the first blank line at or past ``at`` outside a code fence or ``$$`` block
    (one pass over the lines, as the live view's splitter cuts blocks)."""
    fence: str | None = None
    pos = 0
    for line in markdown.splitlines(keepends=True):
        pos += len(line)
        stripped = line.strip()
        if fence is not None:
            if (stripped.startswith(fence) and set(stripped) == {fence[0]}) or (
                fence == "$$" and stripped == "$$"
            ):
                fence = None
            continue
        match = _FENCE.match(line)
        if match:
            fence = match.group(1)
        elif stripped == "$$":
            fence = "$$"
        elif not stripped and pos > at:
            return pos
    return None


def fold_control(answer: str) -> str:
    """What the turn's last output carries: a "show all" when the answer is long enough to be
    folded, and with code the tokens' colours and the copy script. (The answer's own sheet,
    ``SHEET``, comes with its first block, so the container holds from the first words.)"""
    more = ""
    cut = fold_point(answer)
    if cut is not None:
        words = len(answer[cut:].split())
        more = (
            f'<details class=gi-more style="{CARD_STYLE}"><summary>show all '
            f"({words:,} more words)</summary></details>"
        )
    if not _CODE.search(answer):  # no code block: no token colours, no copy buttons (bytes)
        return more
    return STYLE + more + _COPY
