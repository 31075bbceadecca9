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


def _usage(turn: Turn) -> str:
    usage = turn.usage
    if not usage:
        return ""
    parts = [
        f"{label} {usage[key]}"
        for key, label in (
            ("total_input_tokens", "in"),
            ("total_output_tokens", "out"),
            ("total_thought_tokens", "thought"),
            ("total_cached_tokens", "cached"),
            ("total_tokens", "total"),
        )
        if key in usage
    ]
    return "tokens " + " · ".join(parts)


def _turn_summary(turn: Turn) -> str:
    took = f" · {turn.duration:.1f} s" if turn.duration is not None else ""
    usage = _usage(turn)
    usage = f" · {usage}" if usage else ""
    model = f" · {turn.model}" if turn.model else ""
    return (
        f"<strong>{escape(turn.label)}</strong> {escape(turn.summary())}"
        f"{escape(model)} · {escape(turn.status)}{escape(took)}{escape(usage)}"
    )


def turn_html(turn: Turn, *, kinds: Iterable[str] | None = None, open_: bool = False) -> str:
    """One turn's steps as cards, optionally only the step types in ``kinds``."""
    wanted = set(kinds) if kinds is not None else None
    cards = []
    for card in _cards(turn):
        kind = str(getattr(card.step, "type", None) or "unknown")
        if wanted is not None and kind not in wanted:
            continue
        html = step_card_html(
            card.step, card.result, duration=card.duration, status=card.status, open_=open_
        )
        # data-step: what the controls' type filter matches (a neutral <div> without styles).
        cards.append(f'<div data-step="{escape(kind)}">{html}</div>')
    body = "".join(cards) or "<p><em>No steps.</em></p>"
    return (
        f'<details class="gemini-turn" open><summary>{_turn_summary(turn)}</summary>'
        f"{body}</details>"
    )


def chain_html(
    chain: Chain,
    *,
    kinds: Iterable[str] | None = None,
    open_: bool = False,
    only: list[Turn] | None = None,
    controls: bool = False,
) -> str:
    """Every turn of ``chain`` (or ``only`` these) as a tree: children nested under parents;
    ``controls``: with the in-HTML filter, expand-all and turn picker (``_timeline_controls``)."""
    turns = only if only is not None else list(chain.turns)
    numbers = {t.number for t in turns}
    children: dict[int | None, list[Turn]] = {}
    for turn in turns:
        parent = turn.parent if turn.parent in numbers else None
        children.setdefault(parent, []).append(turn)
    kinds = list(kinds) if kinds is not None else None

    def tree(parent: int | None) -> str:
        items = children.get(parent, [])
        if not items:
            return ""
        inner = "".join(
            f'<li data-turn="{t.number}">{turn_html(t, kinds=kinds, open_=open_)}'
            f"{tree(t.number)}</li>"
            for t in items
        )
        return f'<ul style="list-style:none;padding-left:1em;margin:0">{inner}</ul>'

    branches = sum(1 for v in children.values() if len(v) > 1)
    head = (
        f"<p>🧭 <strong>Timeline</strong> of chain <code>{escape(chain.name)}</code>: "
        f"{len(turns)} turn(s), {branches} branching point(s)</p>"
    )
    body = tree(None) or "<p>No turns.</p>"
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
    turns = only if only is not None else list(chain.turns)
    lines = [f"Timeline of chain {chain.name!r}"]
    for turn in turns:
        parent = f" (from turn {turn.parent})" if turn.parent is not None else ""
        lines.append(f"{turn.label}{parent} {turn.status} {turn.summary()}")
        for card in _cards(turn):
            lines.append("    " + step_card_text(card.step, card.result).replace("\n", "\n    "))
    return "\n".join(lines)
