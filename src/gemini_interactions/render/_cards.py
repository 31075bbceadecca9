"""One card per step of a turn, as static HTML and as text.

The HTML is plain semantic HTML (``details``, ``summary``, ``table``, ``pre``, ``code``, ``a``)
that reads well when GitHub strips ``style=`` or JupyterLab's sanitizer drops what it does not
trust; inline styles only add a border and a badge colour, through JupyterLab's CSS variables
(with fallbacks) so the light and dark themes both read. Every value shown comes from the model or
a tool, so every value is escaped. A step type this module does not know is shown with its type
and all its fields, never dropped.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from ._markdown import markdown_html
from ._text import short

__all__ = ["StepCard", "pair_steps", "step_card_html", "step_card_text"]

_CARD_STYLE = (
    "border:1px solid var(--jp-border-color2,#ccc);border-radius:4px;padding:2px 8px;margin:4px 0;"
)
_BADGE_COLOURS = {
    "running": "var(--jp-warn-color1,#b26b00)",
    "done": "var(--jp-success-color1,#2e7d32)",
    "error": "var(--jp-error-color1,#c62828)",
}
_ICONS = {
    "function_call": "🔧",
    "google_search_call": "🔎",
    "code_execution_call": "🐍",
    "url_context_call": "🔗",
    "thought": "💭",
    "model_output": "💬",
    "user_input": "👤",
}
_TITLES = {
    "google_search_call": "Google Search",
    "code_execution_call": "Code execution",
    "url_context_call": "URL context",
    "file_search_call": "File search",
    "google_maps_call": "Google Maps",
    "retrieval_call": "Retrieval",
    "processing_call": "Processing",
}


@dataclass
class StepCard:
    """A call step and what answered it (``result`` None while it runs), as one card."""

    step: Any
    result: Any = None
    duration: float | None = None
    status: str | None = None
    """``running``, ``done`` or ``error``; worked out from the steps when None."""


def _field(step: Any, name: str) -> Any:
    if isinstance(step, dict):
        return step.get(name)
    return getattr(step, name, None)


def _type(step: Any) -> str:
    return str(_field(step, "type") or "unknown")


def _fields(step: Any) -> dict[str, Any]:
    if isinstance(step, dict):
        return {k: v for k, v in step.items() if v is not None}
    dump = getattr(step, "model_dump", None)
    data: dict[str, Any] = dump(exclude_none=True, mode="json") if dump else {}
    return data


CARD_CHARS = 4000
"""Characters of an argument or result a card shows; the rest is counted, not shown (a 50 MB
tool result made a 52 MB notebook)."""


def _json(value: Any) -> str:
    text = value if isinstance(value, str) else None
    if text is None:
        text = json.dumps(value, indent=2, ensure_ascii=False, default=repr)
    if len(text) > CARD_CHARS:
        size = len(text)
        text = (
            f"{text[:CARD_CHARS]}\n… ({size:,} characters in all; the first {CARD_CHARS:,} shown)"
        )
    return text


def _texts(blocks: Any) -> str:
    return "".join(str(_field(b, "text") or "") for b in blocks or [] if _type(b) == "text")


def _args(step: Any) -> dict[str, Any]:
    args = _field(step, "arguments")
    return args if isinstance(args, dict) else {}


def _status(card: StepCard) -> str:
    if card.status:
        return card.status
    kind = _type(card.step)
    if not kind.endswith("_call"):
        return "done"
    if card.result is None:
        return "running"
    return "error" if _field(card.result, "is_error") else "done"


def pair_steps(steps: Iterable[Any]) -> list[StepCard]:
    """The steps as cards: each ``*_call`` with the ``*_result`` that names its id (results
    with no call of their own get a card of their own); other steps one card each."""
    cards: list[StepCard] = []
    calls: dict[str, StepCard] = {}
    for step in steps:
        kind = _type(step)
        call_id = _field(step, "call_id")
        if kind.endswith("_result") and isinstance(call_id, str) and call_id in calls:
            calls[call_id].result = step
            continue
        card = StepCard(step)
        step_id = _field(step, "id")
        if kind.endswith("_call") and isinstance(step_id, str):
            calls[step_id] = card
        cards.append(card)
    return cards


# --- HTML ----------------------------------------------------------------------------------------


def _badge(status: str) -> str:
    colour = _BADGE_COLOURS.get(status, "inherit")
    return f'<code style="color:{colour}">{escape(status)}</code>'


def _pre(text: str, language: str | None = None) -> str:
    if language:
        highlighted = _highlight(text, language)
        if highlighted is not None:
            return highlighted
    return f"<pre><code>{escape(text)}</code></pre>"


def _highlight(code: str, language: str) -> str | None:
    """Pygments (an IPython dependency) with inline colours: stripped, the plain code stays."""
    try:
        from pygments import highlight
        from pygments.formatters import HtmlFormatter
        from pygments.lexers import get_lexer_by_name
        from pygments.util import ClassNotFound
    except ImportError:  # pragma: no cover - IPython depends on pygments
        return None
    try:
        lexer = get_lexer_by_name(language)
    except ClassNotFound:
        return None
    formatter = HtmlFormatter(noclasses=True, nobackground=True, nowrap=True)
    body = highlight(code, lexer, formatter).rstrip("\n")
    return f'<pre><code class="language-{escape(language)}">{body}</code></pre>'


def _link(url: str, title: str | None = None) -> str:
    safe = url if url.startswith(("http://", "https://")) else None
    label = escape(title or url)
    return f'<a href="{escape(safe)}">{label}</a>' if safe else label


def _sources(result: Any) -> list[tuple[str, str | None]]:
    """(url, title) of every source a search/URL result names, in order, once each."""
    found: dict[str, str | None] = {}

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            url = value.get("url") or value.get("uri")
            if isinstance(url, str):
                found.setdefault(
                    url, value.get("title") if isinstance(value.get("title"), str) else None
                )
            for item in value.values():
                if isinstance(item, (dict, list)):
                    walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif hasattr(value, "model_dump"):
            walk(value.model_dump(mode="json"))

    walk(_field(result, "result") if result is not None else None)
    return list(found.items())


def _details(summary: str, body: str, *, open_: bool = False) -> str:
    flag = " open" if open_ else ""
    return f'<details{flag} style="{_CARD_STYLE}"><summary>{summary}</summary>{body}</details>'


def _table(rows: Sequence[tuple[str, str]]) -> str:
    # JupyterLab right-aligns table cells; arguments and results read from the left.
    left = 'style="text-align:left;vertical-align:top"'
    cells = "".join(f"<tr><th {left}>{escape(k)}</th><td {left}>{v}</td></tr>" for k, v in rows)
    return f"<table>{cells}</table>"


def _head(kind: str, title: str, status: str, duration: float | None) -> str:
    icon = _ICONS.get(kind, "▪️")
    took = f" · {duration:.2f} s" if duration is not None else ""
    return f"{icon} <strong>{title}</strong> {_badge(status)}{escape(took)}"


def step_card_html(
    step: Any,
    result: Any = None,
    *,
    duration: float | None = None,
    status: str | None = None,
    open_: bool = False,
) -> str:
    """One step (a typed step, or its JSON dict) and the result answering it, as a card."""
    card = StepCard(step, result, duration, status)
    kind, state = _type(step), _status(card)
    if kind == "function_call":
        title = f"<code>{escape(str(_field(step, 'name') or '?'))}</code>"
        rows = [("arguments", _pre(_json(_field(step, "arguments"))))]
        if result is not None:
            label = "error" if state == "error" else "result"
            rows.append((label, _pre(_json(_field(result, "result")))))
        return _details(_head(kind, title, state, duration), _table(rows), open_=open_)
    if kind == "google_search_call":
        queries = [str(q) for q in _args(step).get("queries", []) or []]
        sources = _sources(result)
        items = "".join(f"<li>{escape(q)}</li>" for q in queries)
        body = f"<p>Queries:</p><ul>{items}</ul>" if queries else ""
        if sources:
            links = "".join(f"<li>{_link(u, t)}</li>" for u, t in sources)
            body += f"<p>Used {len(sources)} source{'s' * (len(sources) != 1)}:</p><ol>{links}</ol>"
        elif result is not None:
            body += "<p>Used 0 sources.</p>"
        head = _head(kind, _TITLES[kind], state, duration)
        if queries:
            head += " " + escape(short(", ".join(queries), 80))
        return _details(head, body, open_=open_)
    if kind == "code_execution_call":
        args = _args(step)
        language = str(args.get("language") or "python").lower()
        body = _pre(str(args.get("code") or ""), language)
        if result is not None:
            label = "Error" if state == "error" else "Output"
            body += f"<p>{label}:</p>" + _pre(_json(_field(result, "result")))
        return _details(_head(kind, _TITLES[kind], state, duration), body, open_=True)
    if kind == "url_context_call":
        urls = [str(u) for u in _args(step).get("urls", []) or []]
        links = "".join(f"<li>{_link(u)}</li>" for u in urls)
        body = f"<ul>{links}</ul>" if urls else ""
        if result is not None:
            body += "<p>Result:</p>" + _pre(_json(_field(result, "result")))
        return _details(_head(kind, _TITLES[kind], state, duration), body, open_=open_)
    if kind == "thought":
        # Thought summaries and answers are Markdown: shown as such (raw HTML in them escaped),
        # never as their source with its asterisks. A prompt is shown as typed.
        text = _texts(_field(step, "summary"))
        body = markdown_html(text) if text else "<p>(signature only)</p>"
        return _details(_head(kind, "Thought", state, duration), body, open_=open_)
    if kind in ("model_output", "user_input"):
        title = "Answer" if kind == "model_output" else "Prompt"
        content = _texts(_field(step, "content"))
        body = markdown_html(content) if kind == "model_output" else _pre(content)
        return _details(_head(kind, title, state, duration), body, open_=open_)
    # Any other step (server tools, MCP, a type from the future): its type and every field.
    title = _TITLES.get(kind) or f"<code>{escape(kind)}</code>"
    fields = {k: v for k, v in _fields(step).items() if k != "type"}
    rows = [(k, _pre(_json(v))) for k, v in fields.items()]
    if result is not None:
        rows.append(("result", _pre(_json(_fields(result)))))
    return _details(_head(kind, title, state, duration), _table(rows), open_=open_)


# --- text ----------------------------------------------------------------------------------------


def step_card_text(
    step: Any, result: Any = None, *, duration: float | None = None, status: str | None = None
) -> str:
    """The card as a few lines of text (``text/plain``, terminals, logs)."""
    card = StepCard(step, result, duration, status)
    kind, state = _type(step), _status(card)
    took = f", {duration:.2f} s" if duration is not None else ""
    head = f"{_ICONS.get(kind, '▪️')} "
    lines: list[str] = []
    if kind == "function_call":
        args = _field(step, "arguments")
        shown = (
            ", ".join(f"{k}={short(v, 40)}" for k, v in args.items())
            if isinstance(args, dict)
            else short(args, 100)
        )
        lines.append(f"{head}{_field(step, 'name')}({shown})")
        if result is not None:
            lines.append(f"   → {short(_field(result, 'result'), 200)}")
    elif kind == "google_search_call":
        lines.append(f"{head}Google Search: {', '.join(_args(step).get('queries', []) or [])}")
        sources = _sources(result)
        if result is not None:
            lines.append(f"   Used {len(sources)} source(s)")
        lines.extend(f"   - {t + ': ' if t else ''}{u}" for u, t in sources)
    elif kind == "code_execution_call":
        lines.append(f"{head}Code execution:")
        lines.extend("   " + line for line in str(_args(step).get("code") or "").splitlines())
        if result is not None:
            lines.append("   → " + short(_field(result, "result"), 200))
    elif kind == "url_context_call":
        lines.append(f"{head}URL context: {', '.join(_args(step).get('urls', []) or [])}")
    elif kind == "thought":
        lines.append(f"{head}Thought: {short(_texts(_field(step, 'summary')), 200)}")
    elif kind in ("model_output", "user_input"):
        lines.append(f"{head}{short(_texts(_field(step, 'content')), 200)}")
    else:
        fields = {k: v for k, v in _fields(step).items() if k != "type"}
        lines.append(f"{head}{kind}: {short(fields, 200)}")
        if result is not None:
            lines.append(f"   → {short(_fields(result), 200)}")
    lines[0] += f" [{state}{took}]"
    return "\n".join(lines)
