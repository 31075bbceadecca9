"""The tables the line commands show (``history``, ``chains``, ``usage``, ``runs``), each as a
bundle: aligned columns for ``text/plain`` and a Markdown table where Markdown renders.

A function returns None when there is nothing to tabulate; the command says so in its own words.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ..chain._prices import format_cost, price_table
from ._help import escape, table
from ._status import model_text
from ._style import NO_TEX
from ._timeline_text import with_environment_column

if TYPE_CHECKING:
    from ..chain import Chain, Turn
    from ..chain._runs import CellSummary


_COUNTS = (
    "turns",
    "total_input_tokens",
    "total_output_tokens",
    "total_thought_tokens",
    "total_cached_tokens",
    "total_tokens",
)


def table_bundle(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> dict[str, str]:
    """A table, as aligned columns (text/plain) and as Markdown (each cell escaped, ``$``
    included, and the table in a block MathJax leaves alone: prompts and costs carry ``$``)."""
    cells = [[str(c) for c in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    plain = "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in cells)
    markdown = table(cells[0], ([escape(c) for c in r] for r in cells[1:]))
    # JupyterLab typesets the rendered table again, where "\$5 or \$6" has become "$5 or $6".
    markdown = [f'<div class="{NO_TEX}">', "", *markdown, "", "</div>"]
    return {"text/plain": plain.rstrip(), "text/markdown": "\n".join(markdown)}


def price_note() -> str:
    prices = price_table()
    return f"Costs are estimates from the price table of {prices['as_of']} ({prices['unit']})."


def history_table(chain: Chain) -> dict[str, str] | None:
    """The chain's turns in the order run, each with the turn it came from (``new``: it
    started a conversation), so the table reads as the chain's tree."""
    if not chain.turns:
        return None
    head = chain.head
    rows: list[list[Any]] = [
        [
            f"{turn.number}{'*' if turn is head else ''}",
            turn.parent if turn.parent is not None else "new",
            turn.id or _map_id(turn),
            model_text(turn) or "-",
            turn.status,
            turn.usage.get("total_tokens", "-"),
            format_cost(turn.cost) if turn.usage else "-",
            turn.summary(),
        ]
        for turn in chain.turns
    ]
    headers = ["turn", "from", "id", "model", "status", "tokens", "cost", "prompt"]
    with_environment_column(headers, rows, chain.turns)
    return table_bundle(headers, rows)


def chains_table(chains: Iterable[Chain], current: str | None) -> dict[str, str] | None:
    rows = [
        [
            f"{chain.name}{'*' if chain.name == current else ''}",
            len(chain.turns),
            chain.head.number if chain.head else "-",
            chain.turns[0].summary(6) if chain.turns else "",
        ]
        for chain in chains
    ]
    return table_bundle(["chain", "turns", "head", "first prompt"], rows) if rows else None


def usage_table(chains: Iterable[Chain]) -> dict[str, str] | None:
    """Tokens and estimated cost per chain and model (a model without a price: no sum)."""
    rows = []
    for chain in chains:
        costs: dict[str, float | None] = {}
        for turn in chain.turns:
            model = turn.model or "?"
            before, spent = costs.get(model, 0.0), turn.cost
            costs[model] = None if before is None or spent is None else before + spent
        for model, totals in chain.usage().items():
            counts = [totals.get(k, 0) for k in _COUNTS]
            rows.append([chain.name, model, *counts, format_cost(costs.get(model))])
    if not rows:
        return None
    headers = ["chain", "model", "turns", "input", "output", "thought", "cached", "total", "cost"]
    return table_bundle(headers, rows)


def runs_table(cells: Sequence[CellSummary]) -> dict[str, str]:
    """The --map runs a run store holds, one row per cell."""
    rows = [
        [
            c.chain,
            f"--map {c.over}: " + " ".join(c.template.split()[:8]),
            c.model or "-",
            c.total,
            c.done,
            c.failed,
            f"{c.tokens:,}",
            format_cost(c.cost),
            c.state,
            time.strftime("%Y-%m-%d %H:%M", time.localtime(c.updated)),
        ]
        for c in cells
    ]
    headers = ["chain", "cell", "model", "items", "done", "failed", "tokens", "cost", "state"]
    return table_bundle([*headers, "when"], rows)


def _map_id(turn: Turn) -> str:
    """A map turn has no id of its own: its element count stands in the id column."""
    found = turn.options.get("map")
    return f"{found.get('items', 0)} items" if isinstance(found, dict) else "-"
