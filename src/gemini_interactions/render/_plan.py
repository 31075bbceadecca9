"""A Deep Research plan as a card: its numbered steps, and one line saying what to do next.

With collaborative planning (``--plan``, ``plan=True``) the agent's answer is not the research but
a plan waiting for approval. Shown as ordinary Markdown it reads like a finished answer; the card
says it is a plan, numbers its steps and ends with the two ways on: approve it, or edit it.
The card is plain semantic HTML (a heading, an ordered list, a paragraph): it reads the same
when GitHub or a sanitizer strips the inline styles.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING

from ._markdown import markdown_html

if TYPE_CHECKING:
    from ..chain import Turn

__all__ = ["NEXT_HINT", "Plan", "plan_bundle", "read_plan"]

NEXT_HINT = (
    'Next: `%%gemini --continue` with "go ahead" runs the research; '
    "`%%gemini --continue --plan` with your edits revises the plan."
)
"""The one line under a plan (the Python equivalent: ``chain.send("go ahead")``)."""

_STEP = re.compile(r"^\s*(\d+)[.)]\s+(.+)$")
_HEADING = re.compile(r"^\s*#{1,6}\s+(.+?)\s*#*\s*$")
_NEXT = re.compile(r"^\s*(\*\*)?next:?(\*\*)?:?\s", re.IGNORECASE)
_STYLE = (
    "border:1px solid var(--jp-border-color2,#ccc);border-left:4px solid "
    "var(--jp-brand-color1,#1976d2);border-radius:4px;padding:4px 10px;margin:4px 0;"
)


@dataclass
class Plan:
    """A plan as read from the agent's answer."""

    title: str
    steps: list[str]
    notes: list[str] = field(default_factory=list)
    """Other paragraphs of the answer (an introduction, a banner), in order."""


def read_plan(text: str) -> Plan | None:
    """The plan in ``text``: its title (the first heading), its numbered steps and the other
    lines; None when it has no numbered steps (then it is shown as an ordinary answer). A line
    of the agent's own that says what to do next gives way to ``NEXT_HINT``."""
    title = "Research plan"
    steps: list[str] = []
    notes: list[str] = []
    for line in text.splitlines():
        if not line.strip() or _NEXT.match(line):
            continue
        heading = _HEADING.match(line)
        step = _STEP.match(line)
        if heading and not steps and title == "Research plan":
            title = heading.group(1)
        elif step:
            steps.append(step.group(2).strip())
        elif steps and line.startswith(("   ", "\t")):
            steps[-1] += " " + line.strip()  # a step's continuation line
        else:
            notes.append(line.strip())
    return Plan(title, steps, notes) if steps else None


def is_plan_turn(turn: Turn) -> bool:
    """The turn asked for a plan (collaborative planning) and finished with one."""
    config = turn.options.get("agent_config")
    asked = bool(turn.options.get("plan")) or (
        isinstance(config, dict) and bool(config.get("collaborative_planning"))
    )
    return asked and turn.status == "completed"


def plan_bundle(turn: Turn, text: str) -> dict[str, str] | None:
    """The plan card of ``turn`` (plain text, Markdown, HTML), or None when the turn is not a
    finished plan, so the answer is shown as it always is."""
    if not is_plan_turn(turn):
        return None
    plan = read_plan(text)
    if plan is None:
        return None
    count = f"{len(plan.steps)} step{'s' if len(plan.steps) != 1 else ''}"
    plain = "\n".join(
        [
            f"📋 {plan.title} ({count}, waiting for your go-ahead)",
            *(f"  {n}. {step}" for n, step in enumerate(plan.steps, 1)),
            *(["", *plan.notes] if plan.notes else []),
            "",
            NEXT_HINT.replace("`", ""),
        ]
    )
    markdown = "\n".join(
        [
            f"**📋 {plan.title}** ({count}, waiting for your go-ahead)",
            "",
            *(f"{n}. {step}" for n, step in enumerate(plan.steps, 1)),
            *(["", *plan.notes] if plan.notes else []),
            "",
            f"*{NEXT_HINT}*",
        ]
    )
    items = "".join(f"<li>{_inline(step)}</li>" for step in plan.steps)
    notes = "".join(f"<p>{_inline(note)}</p>" for note in plan.notes)
    html = (
        f'<section class="gemini-plan" style="{_STYLE}">'
        f"<p><strong>📋 {escape(plan.title)}</strong> ({count}, waiting for your go-ahead)</p>"
        f"<ol>{items}</ol>{notes}"
        f'<p class="gemini-plan-next"><em>{_inline(NEXT_HINT)}</em></p></section>'
    )
    return {"text/plain": plain, "text/markdown": markdown, "text/html": html}


def _inline(text: str) -> str:
    """One line of Markdown as inline HTML (its paragraph tags taken off)."""
    html = markdown_html(text).strip()
    return html.removeprefix("<p>").removesuffix("</p>")
