"""The timeline as static, semantic HTML: the durable form that survives save, reload, GitHub.

A turn is a ``<details>`` with one step card per step (``_cards``); a chain is a nested list of
turns, a turn's children under it, so branches read as a tree even with every style stripped.
Inline styles are only an enhancement (GitHub and sanitizers drop them).
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from typing import Any

from ..chain import Chain, Turn
from ._cards import StepCard, pair_steps, step_card_html, step_card_text
from ._citations import round_sources
from ._style import NO_TEX
from ._timeline_controls import controls_html, new_id

TIMELINE_CLASS = "gemini-timeline"


def step_kinds(turns: Iterable[Turn]) -> list[str]:
    """The step types present (for the filter), in first-seen order."""
    kinds: list[str] = []
    for turn in turns:
        for card in _cards(turn):
            kind = str(getattr(card.step, "type", None) or "unknown")
            if kind not in kinds:
                kinds.append(kind)
    return kinds


def _steps(turn: Turn) -> list[Any]:
    return [step for interaction in turn.interactions for step in interaction.steps]


def _cards(turn: Turn) -> list[StepCard]:
    """Cards of every round; a function call's result is sent in the *next* request, so it is
    paired from the turn's tool runs (with the run's duration)."""
    cards = pair_steps(_steps(turn))
    runs = {run.call_id: run for run in turn.tool_runs if run.call_id}
    for card in cards:
        run = runs.get(getattr(card.step, "id", None) or "")
        if getattr(card.step, "type", None) == "function_call" and run and card.result is None:
            card.result = {
                "type": "function_result",
                "call_id": run.call_id,
                "name": run.name,
                "result": run.result,
                "is_error": run.is_error,
            }
            card.duration = run.duration
    return cards


def _turn_summary(turn: Turn) -> str:
    from ._status import summary_text

    env = turn.environment_id
    where = f" · environment <code>{escape(env)}</code>" if env else ""
    return (
        f"<strong>{escape(turn.label)}</strong> {escape(turn.summary())} · "
        + escape(summary_text(turn))
        + where
    )


def turn_html(turn: Turn, *, kinds: Iterable[str] | None = None, open_: bool = False) -> str:
    """One turn's steps as cards, optionally only the step types in ``kinds``."""
    wanted = set(kinds) if kinds is not None else None
    cards = []
    cited = round_sources(_steps(turn))
    for card in _cards(turn):
        kind = str(getattr(card.step, "type", None) or "unknown")
        if wanted is not None and kind not in wanted:
            continue
        html = step_card_html(
            card.step,
            card.result,
            duration=card.duration,
            status=card.status,
            open_=open_,
            cited=cited,
        )
        # data-step: what the controls' type filter matches (a neutral <div> without styles).
        cards.append(f'<div data-step="{escape(kind)}">{html}</div>')
    body = "".join(cards) or "<p><em>No steps.</em></p>"
    return (
        f'<details class="gemini-turn" open><summary class="{NO_TEX}">'
        f"{_turn_summary(turn)}</summary>{body}</details>"
    )


FULL_TURNS = 100
"""The newest turns a chain's timeline shows in full; older ones are folded into one line
(``%gemini timeline N`` shows any of them), so 10,000 turns are not a page of 10,000 cards."""
MAX_NESTING = 24
"""Branching points nested as lists at most; deeper branches go on flat, each saying where it
comes from (a browser stops nesting HTML at 512 levels)."""

_LIST = '<ul style="list-style:none;padding-left:1em;margin:0">'


def _shown(turns: list[Turn]) -> tuple[list[Turn], list[Turn]]:
    """(the turns shown in full, the older ones folded)."""
    folded = max(0, len(turns) - FULL_TURNS)
    return turns[folded:], turns[:folded]


def _tree(turns: list[Turn], item: Any) -> str:
    """The turns as nested lists, built without recursion: a turn continued once goes on in
    the same list (a chain of 10,000 continued turns is one flat list, not 10,000 nested
    ones); a branching point nests one list per branch under its turn."""
    numbers = {t.number for t in turns}
    children: dict[int | None, list[Turn]] = {}
    for turn in turns:
        parent = turn.parent if turn.parent in numbers else None
        children.setdefault(parent, []).append(turn)
    out: list[str] = []
    # A stack of work: a turn starting a list (with its nesting depth), or text to emit.
    stack: list[tuple[Turn, int] | str] = [(t, 0) for t in reversed(children.get(None, []))]
    while stack:
        work = stack.pop()
        if isinstance(work, str):
            out.append(work)
            continue
        turn, depth = work
        out.append(_LIST)
        while True:
            kids = children.get(turn.number, [])
            out.append(f'<li data-turn="{turn.number}">{item(turn)}')
            if len(kids) == 1:
                out.append("</li>")
                turn = kids[0]
                continue
            if len(kids) > 1 and depth < MAX_NESTING:
                stack.append("</li></ul>")
                stack.extend((k, depth + 1) for k in reversed(kids))
            else:
                out.append("</li></ul>")
                stack.extend((k, depth) for k in reversed(kids))
            break
    return "".join(out)


def chain_html(
    chain: Chain,
    *,
    kinds: Iterable[str] | None = None,
    open_: bool = False,
    only: list[Turn] | None = None,
    controls: bool = False,
) -> str:
    """Every turn of ``chain`` (or ``only`` these) as a tree: branches nested under the turn
    they come from; ``controls``: with the in-HTML filter, expand-all and turn picker
    (``_timeline_controls``). Only the newest ``FULL_TURNS`` are shown, older ones folded."""
    every = only if only is not None else list(chain.turns)
    turns, folded = _shown(every)
    numbers = {t.number for t in turns}
    kinds = list(kinds) if kinds is not None else None
    within = {t.number for t in every}
    counts: dict[int | None, int] = {}
    for t in every:  # branching points of all the turns, the folded ones too
        parent = t.parent if t.parent in within else None
        counts[parent] = counts.get(parent, 0) + 1
    branches = sum(1 for n in counts.values() if n > 1)

    def item(turn: Turn) -> str:
        html = turn_html(turn, kinds=kinds, open_=open_)
        if turn.parent is not None and turn.parent not in numbers:
            return f"<p>↳ from turn {turn.parent}</p>{html}"
        return html

    head = (
        f"<p>🧭 <strong>Timeline</strong> of chain <code>{escape(chain.name)}</code>: "
        f"{len(turns) + len(folded)} turn(s), {branches} branching point(s)</p>"
    )
    if folded:
        head += (
            f"<p><em>{len(folded):,} earlier turn(s) folded (turns {folded[0].number} to "
            f"{folded[-1].number}): <code>%gemini timeline N</code> shows turn N, "
            "<code>%gemini history</code> lists them all.</em></p>"
        )
    body = _tree(turns, item) or "<p>No turns.</p>"
    if not controls:
        return f'<div class="{TIMELINE_CLASS}">{head}{body}</div>'
    uid = new_id()
    picks = [(t.number, t.summary(8)) for t in turns]
    ctl = controls_html(uid, step_kinds(turns), picks)
    return f'<div class="{TIMELINE_CLASS}" id="{uid}">{head}{ctl}{body}</div>'


def turn_timeline_html(turn: Turn, *, controls: bool = False) -> str:
    """One turn's timeline (``%gemini timeline N``), with the in-HTML controls if asked."""
    body = turn_html(turn)
    if not controls:
        return f'<div class="{TIMELINE_CLASS}">{body}</div>'
    uid = new_id()
    ctl = controls_html(uid, step_kinds([turn]), [])
    return f'<div class="{TIMELINE_CLASS}" id="{uid}">{ctl}{body}</div>'


def chain_text(chain: Chain, only: list[Turn] | None = None) -> str:
    """The same tree as plain text (``text/plain`` and terminals)."""
    turns, folded = _shown(only if only is not None else list(chain.turns))
    lines = [f"Timeline of chain {chain.name!r}"]
    if folded:
        lines.append(
            f"({len(folded):,} earlier turn(s) folded: `%gemini timeline N` shows turn N, "
            "`%gemini history` lists them all)"
        )
    for turn in turns:
        parent = f" (from turn {turn.parent})" if turn.parent is not None else ""
        env = f" (environment {turn.environment_id})" if turn.environment_id else ""
        lines.append(f"{turn.label}{parent} {turn.status}{env} {turn.summary()}")
        cited = round_sources(_steps(turn))
        for card in _cards(turn):
            text = step_card_text(card.step, card.result, cited=cited)
            lines.append("    " + text.replace("\n", "\n    "))
    return "\n".join(lines)
