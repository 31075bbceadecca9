"""One status line for a turn, in the same words everywhere: the live view, ``show``, the
terminal, the timeline, ``fix``, ``history`` and the export's header.

model (or agent) · where the answer came from when not the live API (a badge) · status · time ·
tokens in one format that adds up · cost. The interaction id is not in the line a person reads:
it is the HTML's tooltip and the output's metadata (``history`` lists ids).
"""

from __future__ import annotations

from html import escape

from ..chain import Turn
from ..chain._prices import format_cost
from ..chain._turn import token_text

__all__ = ["model_text", "status_html", "status_text", "streaming_status", "summary_text"]

STATUS_ICONS = {
    "completed": "✅",
    "idle": "✅",
    "incomplete": "⚠️",
    "failed": "❌",
    "interrupted": "⏹",
    "cancelled": "⏹",
    "requires_action": "⚠️",
    "running": "⏳",
}

# Secondary text that stays readable: JupyterLab's own secondary font colour (contrast checked
# in its light and dark themes), at 0.85 em (was "smaller" inside <small>: 9.7 px grey).
_LINE_STYLE = "color:var(--jp-content-font-color2,#555);font-size:0.85em;margin:0.4em 0 0"
_BADGE_STYLE = (
    "display:inline-block;padding:0 0.45em;border-radius:0.7em;font-weight:600;"
    "border:1px solid var(--jp-warn-color1,#b26b00);color:var(--jp-warn-color0,#8a4b00);"
    "background:var(--jp-warn-color3,#fff3e0)"
)


def _parts(turn: Turn, elapsed: float | None) -> list[str]:
    """The line's words after the badge: status, time, tokens, cost."""
    parts = [f"{STATUS_ICONS.get(turn.status, '')} {turn.status}".strip()]
    seconds = turn.duration if turn.duration is not None else elapsed
    if seconds is not None:
        parts.append(f"{seconds:.1f} s")
    tokens = token_text(turn.usage)
    if tokens:
        parts.append(tokens)
        parts.append(f"cost {format_cost(turn.cost)}")
    return parts


def _head(turn: Turn) -> str:
    """``chat · turn 3 · from turn 1``: which turn of which chain (and its parent when it is
    not the one before)."""
    head = f"{turn.chain} · turn {turn.number}"
    if turn.parent is not None and turn.parent != turn.number - 1:
        head += f" · from turn {turn.parent}"
    return head


def status_text(turn: Turn, elapsed: float | None = None) -> str:
    """The status line as text: ``chat · turn 2 · gemini-3-flash-preview · [offline model] ·
    ✅ completed · 0.4 s · 452 tokens (…) · cost $0.0004``."""
    return f"{_head(turn)} · {summary_text(turn, elapsed)}"


def model_text(turn: Turn) -> str:
    """The model (or agent) and, when the answer did not come from the live API, where it came
    from: ``gemini-3-flash-preview [offline model]`` (the offline model's own name,
    ``offline-demo/…``, says no more than its badge)."""
    label = turn.model_label or ""
    source = turn.source_label
    if source == "offline model" and label.startswith("offline-demo/"):
        label = turn.asked_model or label
    return f"{label} [{source}]".strip() if source else label


def summary_text(turn: Turn, elapsed: float | None = None) -> str:
    """The line without its chain and turn (the timeline names the turn itself)."""
    words = [model_text(turn)] if turn.model_label or turn.source_label else []
    return " · ".join(words + _parts(turn, elapsed))


def status_html(turn: Turn, elapsed: float | None = None) -> str:
    """The same line as HTML: the source as a badge, the interaction id as its tooltip."""
    words = [escape(_head(turn))]
    model = model_text(turn).removesuffix(f" [{turn.source_label}]")
    if model:
        words.append(f"<strong>{escape(model)}</strong>")
    if turn.source_label:
        tip = "not the Gemini API: " + {
            "offline model": "made up by the local demo model, no Gemini model was called",
            "fixture": "a scripted answer from a fixture file",
            "replay": "replayed from a recording (cassette)",
            "local server": "a server on this machine",
        }.get(turn.source_label, turn.source_label)
        words.append(
            f'<span style="{_BADGE_STYLE}" title="{escape(tip)}">{escape(turn.source_label)}</span>'
        )
    words += [escape(p) for p in _parts(turn, elapsed)]
    title = f' title="interaction {escape(turn.id)}"' if turn.id else ""
    return f'<p class="gemini-status" style="{_LINE_STYLE}"{title}>{" · ".join(words)}</p>'


def streaming_status(turn: Turn, elapsed: float) -> str:
    """While a turn streams: what is known then (no tokens yet), short, because it is re-sent
    with every update."""
    words = [model_text(turn)] if turn.model_label or turn.source_label else []
    return " · ".join([*words, f"⏳ {turn.status}", f"{elapsed:.1f} s"])
