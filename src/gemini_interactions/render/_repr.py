"""What a ``Turn``, a ``Chain`` or a ``MapResult`` shows when a cell evaluates to it: installed
into the chain layer (``chain._display``), which may not import this one.

A turn is the live view's final outputs joined into one (``turn_bundle``); a chain is its turns
in order, each under its prompt; a map run is the table its cell ended with (``summary_bundle``)
and a row per element. Static HTML,
text and Markdown only: a saved notebook reads the same with no kernel and no widgets.
"""

from __future__ import annotations

from html import escape

from ..chain import Chain, Turn
from ..chain._display import Bundle, install_renderer
from ..chain._map import MapResult
from ..chain._prices import format_cost
from ._bundles import METADATA_KEY, turn_bundle
from ._map_progress import summary_bundle
from ._style import NO_TEX
from ._text import short

__all__ = ["chain_bundle", "install", "map_bundle", "shown"]

_PROMPT_STYLE = "margin:0.8em 0 0.3em;color:var(--jp-content-font-color2,#555)"


def install() -> None:
    """Make Turn, Chain and MapResult draw themselves with ``shown``."""
    install_renderer(shown)


def shown(obj: object) -> Bundle | None:
    """``obj``'s bundle, or None for an object this layer does not draw."""
    if isinstance(obj, Turn):
        return turn_bundle(obj)
    if isinstance(obj, Chain):
        return chain_bundle(obj)
    if isinstance(obj, MapResult):
        return map_bundle(obj)
    return None


def chain_bundle(chain: Chain) -> Bundle:
    """Every turn under its prompt, in the order sent (``In [n]``), after a line naming the
    chain and its head."""
    head = chain.head.number if chain.head is not None else "-"
    title = f"chain {chain.name!r} · {len(chain.turns)} turn(s) · head {head}"
    plain, markdown = [title], [f"**{escape(title, quote=False)}**"]
    html = [f"<p><strong>{escape(title)}</strong></p>"]
    for turn in chain.turns:
        data, _ = turn_bundle(turn)
        said = f"turn {turn.number}: {short(turn.prompt, 200)}"
        plain += [f"» {said}", data["text/plain"]]
        markdown += [f"> {escape(said, quote=False)}", data["text/markdown"]]
        prompt = f'<p class="gemini-prompt {NO_TEX}" style="{_PROMPT_STYLE}">'
        html.append(f"{prompt}» {escape(said)}</p>")
        html.append(f'<div class="gemini-turn">{data["text/html"]}</div>')
    data = {
        "text/plain": "\n\n".join(plain),
        "text/markdown": "\n\n".join(markdown),
        "text/html": "".join(html),
    }
    return data, {METADATA_KEY: {"chain": chain.name, "turns": len(chain.turns)}}


def map_bundle(result: MapResult) -> Bundle:
    """The table the run's cell ended with (``summary_bundle``) and one row per element: its
    label, prompt, status, tokens, cost and error."""
    top = summary_bundle(
        result, repr(result) + (f" · stopped: {result.stopped}" if result.stopped else "")
    )
    rows = [
        (
            str(item.position),
            short(item.label, 40),
            short(item.prompt, 60),
            item.status,
            f"{item.tokens:,}",
            format_cost(item.cost),
            short(item.error or "", 120),
        )
        for item in result.items
    ]
    head = ("#", "label", "prompt", "status", "tokens", "cost", "error")
    plain = "\n".join([top["text/plain"], "", *("  ".join(r) for r in [head, *rows])])
    cells = "".join(
        "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows
    )
    html = (
        f"<p><strong>{escape(repr(result))}</strong></p>{top['text/html']}"
        f'<table class="{NO_TEX}"><tr>'
        + "".join(f"<th>{h}</th>" for h in head)
        + f"</tr>{cells}</table>"
    )
    return {"text/plain": plain, "text/html": html}, {METADATA_KEY: {"map": len(result.items)}}
