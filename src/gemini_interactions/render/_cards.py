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

from ._citations import Source
from ._highlight import STYLE, highlight
from ._markdown import markdown_html
from ._style import badge, card
from ._suggestions import result_items, suggestions_html, suggestions_of, suggestions_text
from ._text import short

__all__ = [
    "StepCard",
    "pair_steps",
    "step_card_html",
    "step_card_text",
    "thinking_card_html",
    "thought_card_html",
    "thought_title",
]

ICONS = {
    "function_call": "🔧",
    "google_search_call": "🔎",
    "code_execution_call": "🐍",
    "url_context_call": "🔗",
    "file_search_call": "📁",
    "google_maps_call": "📍",
    "mcp_server_tool_call": "🧩",
    "tool_search_call": "🧰",
    "retrieval_call": "📚",
    "computer_use": "🖱️",
    "thought": "💭",
    "model_output": "💬",
    "user_input": "👤",
}
TITLES = {
    "google_search_call": "Google Search",
    "code_execution_call": "Code execution",
    "url_context_call": "URL context",
    "file_search_call": "File search",
    "google_maps_call": "Google Maps",
    "retrieval_call": "Retrieval",
    "processing_call": "Processing",
    "tool_search_call": "Tool search",
    "mcp_server_tool_call": "MCP tool",
}
COMPUTER_USE_FUNCTIONS = frozenset(
    {
        "open_web_browser",
        "wait_5_seconds",
        "go_back",
        "go_forward",
        "search",
        "navigate",
        "click_at",
        "hover_at",
        "type_text_at",
        "key_combination",
        "scroll_document",
        "scroll_at",
        "drag_and_drop",
    }
)
"""The predefined functions of the ``computer_use`` tool: their calls get a computer-use card."""


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


def _pre(text: str, language: str | None = None) -> str:
    if language:
        body = highlight(text, language)
        if body is not None:
            lang = escape(language)
            return f'{STYLE}<pre class=gi-hl><code class="language-{lang}">{body}</code></pre>'
    return f"<pre><code>{escape(text)}</code></pre>"


def _link(url: str | None, title: str | None = None) -> str:
    safe = url if url and url.startswith(("http://", "https://")) else None
    label = escape(title or url or "?")
    return f'<a href="{escape(safe)}">{label}</a>' if safe else label


def result_sources(result: Any) -> list[tuple[str, str | None]]:
    """(url, title) of every source a search/URL result names, in order, once each (a
    ``search_suggestions`` chip is not a source: its links are searches, shown as chips)."""
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

    walk(result_items(_field(result, "result")) if result is not None else None)
    return list(found.items())


def _shown_sources(
    result: Any, cited: Sequence[Source] | None
) -> list[tuple[str | None, str | None]]:
    """What a search card can show as its sources: its result's, else the answer's citations."""
    listed: list[tuple[str | None, str | None]] = list(result_sources(result))
    if not listed and cited:
        listed = [(s.url, s.label) for s in cited]
    return listed


def _count(n: int) -> str:
    return f"{n} source{'s' * (n != 1)}"


def _details(summary: str, body: str, *, open_: bool = False) -> str:
    return card(summary, body, open_=open_)


def _table(rows: Sequence[tuple[str, str]]) -> str:
    # JupyterLab right-aligns table cells; arguments and results read from the left.
    left = 'style="text-align:left;vertical-align:top"'
    cells = "".join(f"<tr><th {left}>{escape(k)}</th><td {left}>{v}</td></tr>" for k, v in rows)
    return f"<table>{cells}</table>"


def _head(kind: str, title: str, status: str, duration: float | None) -> str:
    icon = ICONS.get(kind, "▪️")
    took = f" · {duration:.2f} s" if duration is not None else ""
    return f"{icon} <strong>{title}</strong> {badge(status)}{escape(took)}"


def _queries(step: Any) -> list[str]:
    """What a search-like step looked for (a tool search: the function names)."""
    args = _args(step)
    queries = args.get("queries") or args.get("query") or args.get("function_names") or []
    if isinstance(queries, str):
        queries = [queries]
    return [str(q) for q in queries] if isinstance(queries, list) else []


def _queries_html(queries: list[str]) -> str:
    items = "".join(f"<li>{escape(q)}</li>" for q in queries)
    return f"<p>Queries:</p><ul>{items}</ul>" if queries else ""


def _search_html(
    step: Any, result: Any, cited: Sequence[Source] | None, head: str
) -> tuple[str, str]:
    queries = _queries(step)
    body = _queries_html(queries)
    sources = _shown_sources(result, cited)
    if sources:
        links = "".join(f"<li>{_link(u, t)}</li>" for u, t in sources)
        body += f"<p>Used {_count(len(sources))}:</p><ol>{links}</ol>"
    if result is not None:
        body += suggestions_html(suggestions_of(_field(result, "result")))
    if sources:
        head += f" · {_count(len(sources))}"
    if queries:
        head += " " + escape(short(", ".join(queries), 80))
    return head, body


def _item_label(item: dict[str, Any]) -> tuple[str | None, str]:
    url = item.get("url") or item.get("uri") or item.get("document_uri")
    title = item.get("title") or item.get("name") or item.get("file_name") or item.get("source")
    url = url if isinstance(url, str) else None
    return url, str(title) if title else (url or "")


def _items_html(items: list[Any], *, text_keys: tuple[str, ...] = ("text", "snippet")) -> str:
    """Result items (chunks, places, documents) as a list: linked title, then a short text."""
    rows = []
    for item in items:
        if not isinstance(item, dict):
            rows.append(f"<li>{escape(short(item, 200))}</li>")
            continue
        url, title = _item_label(item)
        line = _link(url, title) if title else ""
        extra = [escape(short(item[k], 300)) for k in text_keys if isinstance(item.get(k), str)]
        store = item.get("file_search_store") or item.get("store")
        if isinstance(store, str):
            extra.append(f"<small>{escape(store)}</small>")
        reviews = item.get("review_snippets")
        if isinstance(reviews, list) and reviews:
            links = ", ".join(
                _link(r.get("url"), r.get("title") or "review")
                for r in reviews
                if isinstance(r, dict)
            )
            extra.append(f"<small>Reviews: {links}</small>")
        if not title and not extra:
            extra.append(escape(short(item, 200)))
        rows.append("<li>" + "<br>".join([x for x in [line, *extra] if x]) + "</li>")
    return f"<ol>{''.join(rows)}</ol>" if rows else ""


def _flat_items(result: Any, key: str | None = None) -> list[Any]:
    """A result's items; with ``key`` the items under it in each (Maps: ``places``)."""
    items = result_items(result)
    if key is None:
        return items
    out: list[Any] = []
    for item in items:
        inner = item.get(key) if isinstance(item, dict) else None
        out.extend(inner if isinstance(inner, list) else [])
    return out


def _content_value(value: Any) -> Any:
    """An MCP/function result given as content blocks, as their text (other blocks named);
    any other result as it is."""
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        texts = [str(v.get("text")) for v in value if v.get("type") == "text"]
        other = [str(v.get("type")) for v in value if v.get("type") != "text"]
        if all(v.get("type") for v in value) and (texts or other):
            return "\n".join(texts + [f"({kind})" for kind in other])
    return value


def _content_text(value: Any) -> str:
    return _json(_content_value(value))


def _summary_images(blocks: Any) -> str:
    """Images of a thought summary as ``img`` elements (data or http(s) links)."""
    out = []
    for block in blocks or []:
        if _type(block) != "image":
            continue
        data, uri = _field(block, "data"), _field(block, "uri")
        mime = str(_field(block, "mime_type") or "image/png")
        if isinstance(data, str) and data:
            out.append(f'<img alt="thought image" src="data:{escape(mime)};base64,{data}">')
        elif isinstance(uri, str) and uri.startswith(("http://", "https://")):
            out.append(f'<img alt="thought image" src="{escape(uri)}">')
    return "".join(out)


def is_computer_use(step: Any) -> bool:
    return _type(step) == "function_call" and _field(step, "name") in COMPUTER_USE_FUNCTIONS


def step_card_html(
    step: Any,
    result: Any = None,
    *,
    duration: float | None = None,
    status: str | None = None,
    open_: bool = False,
    cited: Sequence[Source] | None = None,
) -> str:
    """One step (a typed step, or its JSON dict) and the result answering it, as a card.
    ``cited``: the sources the round's answer cites, which a search card counts when its own
    result names none (Google's real search result carries only its suggestions chip)."""
    card = StepCard(step, result, duration, status)
    kind, state = _type(step), _status(card)
    if kind == "function_call":
        name = str(_field(step, "name") or "?")
        title = f"<code>{escape(name)}</code>"
        icon_kind = kind
        if is_computer_use(step):
            title = f"Computer use: <code>{escape(name)}</code>"
            icon_kind = "computer_use"
        rows = [("arguments", _pre(_json(_field(step, "arguments"))))]
        if result is not None:
            label = "error" if state == "error" else "result"
            rows.append((label, _pre(_content_text(_field(result, "result")))))
        return _details(_head(icon_kind, title, state, duration), _table(rows), open_=open_)
    if kind == "google_search_call":
        head, body = _search_html(step, result, cited, _head(kind, TITLES[kind], state, duration))
        return _details(head, body, open_=open_)
    if kind == "code_execution_call":
        args = _args(step)
        language = str(args.get("language") or "python").lower()
        body = _pre(str(args.get("code") or ""), language)
        if result is not None:
            label = "Error" if state == "error" else "Output"
            body += f"<p>{label}:</p>" + _pre(_json(_field(result, "result")))
        # Open while it runs (the code is what is happening); folded once done, like every card.
        return _details(
            _head(kind, TITLES[kind], state, duration), body, open_=open_ or state == "running"
        )
    if kind == "url_context_call":
        urls = [str(u) for u in _args(step).get("urls", []) or []]
        links = "".join(f"<li>{_link(u)}</li>" for u in urls)
        body = f"<ul>{links}</ul>" if urls else ""
        if result is not None:
            body += "<p>Result:</p>" + _pre(_json(_field(result, "result")))
        return _details(_head(kind, TITLES[kind], state, duration), body, open_=open_)
    if kind in ("file_search_call", "retrieval_call", "tool_search_call", "google_maps_call"):
        return _lookup_html(kind, step, result, state, duration, open_, cited)
    if kind == "mcp_server_tool_call":
        server = _field(step, "server_name") or _field(result, "server_name")
        name = _field(step, "name") or _field(result, "name") or "?"
        title = f"MCP <code>{escape(str(name))}</code>"
        if server:
            title += f" on <code>{escape(str(server))}</code>"
        rows = [("arguments", _pre(_json(_field(step, "arguments") or {})))]
        if result is not None:
            label = "error" if state == "error" else "result"
            rows.append((label, _pre(_content_text(_field(result, "result")))))
        return _details(_head(kind, title, state, duration), _table(rows), open_=open_)
    if kind == "thought":
        # Thought summaries and answers are Markdown: shown as such (raw HTML in them escaped),
        # never as their source with its asterisks. A prompt is shown as typed.
        summary = _field(step, "summary")
        text = _texts(summary)
        images = _summary_images(summary)
        body = (markdown_html(text) if text else "") + images or "<p>(signature only)</p>"
        return _details(_head(kind, "Thought", state, duration), body, open_=open_)
    if kind in ("model_output", "user_input"):
        title = "Answer" if kind == "model_output" else "Prompt"
        content = _texts(_field(step, "content"))
        body = markdown_html(content) if kind == "model_output" else _pre(content)
        # The answer is the one card open by default.
        return _details(
            _head(kind, title, state, duration), body, open_=open_ or kind == "model_output"
        )
    # Any other step (a type from the future): its type and every field.
    title = TITLES.get(kind) or f"<code>{escape(kind)}</code>"
    fields = {k: v for k, v in _fields(step).items() if k != "type"}
    rows = [(k, _pre(_json(v))) for k, v in fields.items()]
    if result is not None:
        rows.append(("result", _pre(_json(_fields(result)))))
    return _details(_head(kind, title, state, duration), _table(rows), open_=open_)


def _lookup_html(
    kind: str,
    step: Any,
    result: Any,
    state: str,
    duration: float | None,
    open_: bool,
    cited: Sequence[Source] | None = None,
) -> str:
    """File search, retrieval, tool search, Maps: what was looked for, and what was found."""
    title = TITLES[kind]
    args = _args(step)
    extra = _field(step, "retrieval_type") or _field(step, "search_type")
    if extra:
        title += f" ({escape(str(extra))})"
    queries = _queries(step)
    body = _queries_html(queries)
    stores = args.get("file_search_store_names") or args.get("stores")
    if isinstance(stores, list) and stores:
        body += f"<p>Stores: {escape(', '.join(str(x) for x in stores))}</p>"
    others = {
        k: v
        for k, v in args.items()
        if k not in ("queries", "query", "function_names", "file_search_store_names", "stores")
    }
    if others:
        body += _table([(k, _pre(_json(v))) for k, v in others.items()])
    head = _head(kind, title, state, duration)
    if queries:
        head += " " + escape(short(", ".join(queries), 80))
    if result is not None:
        raw = _field(result, "result")
        if kind == "google_maps_call":
            items = _flat_items(raw, "places")
            noun = "place"
        elif kind == "tool_search_call":
            items = _flat_items(raw) or _flat_items(_field(result, "tools"))
            noun = "tool"
        else:
            items = _flat_items(raw)
            noun = "result"
        if items:
            head += f" · {len(items)} {noun}{'s' * (len(items) != 1)}"
            body += _items_html(items, text_keys=("text", "snippet", "description"))
        elif raw not in (None, [], ""):
            body += "<p>Result:</p>" + _pre(_json(raw))
    files = [s for s in cited or [] if s.kind == "file_citation"]
    if kind == "file_search_call" and files:
        # File search returns its chunks as citations on the answer: the documents and pages.
        links = "".join(f"<li>{s.html()}</li>" for s in files)
        head += f" · {len(files)} cited chunk{'s' * (len(files) != 1)}"
        body += f"<p>Cited in the answer:</p><ol>{links}</ol>"
    return _details(head, body, open_=open_)


def thought_title(seconds: float | None) -> str:
    """ "Thought for 3 s"; under a second "Thought for <1 s" (not "0 s"); unknown: "Thought"."""
    if seconds is None:
        return "Thought"
    return "Thought for <1 s" if seconds < 1 else f"Thought for {seconds:.0f} s"


def thought_card_html(text: str, seconds: float | None) -> str:
    """A finished thought, folded, bordered and badged like the step cards (the live view's
    thoughts and the re-rendered turn's)."""
    head = f"{ICONS['thought']} <strong>{escape(thought_title(seconds))}</strong> {badge('done')}"
    return card(head, f"<blockquote>{markdown_html(text)}</blockquote>")


def thinking_card_html(shown: str, earlier: bool) -> str:
    """A thought while it streams, open: its last paragraph (``shown``), "…" when text came
    before it."""
    more = "<p>…</p>" if earlier else ""
    head = f"{ICONS['thought']} <strong>Thinking…</strong> {badge('running')}"
    return card(head, f"<blockquote>{more}{markdown_html(shown)}</blockquote>", open_=True)


# --- text ----------------------------------------------------------------------------------------


def step_card_text(
    step: Any,
    result: Any = None,
    *,
    duration: float | None = None,
    status: str | None = None,
    cited: Sequence[Source] | None = None,
) -> str:
    """The card as a few lines of text (``text/plain``, terminals, logs): never markup."""
    card = StepCard(step, result, duration, status)
    kind, state = _type(step), _status(card)
    took = f", {duration:.2f} s" if duration is not None else ""
    head = f"{ICONS.get(kind, '▪️')} "
    lines: list[str] = []
    if kind == "function_call":
        args = _field(step, "arguments")
        shown = (
            ", ".join(f"{k}={short(v, 40)}" for k, v in args.items())
            if isinstance(args, dict)
            else short(args, 100)
        )
        name = _field(step, "name")
        if is_computer_use(step):
            head = f"{ICONS['computer_use']} Computer use: "
        lines.append(f"{head}{name}({shown})")
        if result is not None:
            lines.append(f"   → {short(_content_value(_field(result, 'result')), 200)}")
    elif kind == "google_search_call":
        lines.append(f"{head}Google Search: {', '.join(_queries(step))}")
        sources = _shown_sources(result, cited)
        if sources:  # titles only: a grounding link is 300 characters of redirect
            titles = ", ".join(t or u or "?" for u, t in sources)
            lines.append(f"   Used {_count(len(sources))}: {short(titles, 300)}")
        if result is not None:
            chips = suggestions_text(suggestions_of(_field(result, "result")))
            if chips:
                lines.append(f"   {chips}")
    elif kind == "code_execution_call":
        lines.append(f"{head}Code execution:")
        lines.extend("   " + line for line in str(_args(step).get("code") or "").splitlines())
        if result is not None:
            lines.append("   → " + short(_field(result, "result"), 200))
    elif kind == "url_context_call":
        lines.append(f"{head}URL context: {', '.join(_args(step).get('urls', []) or [])}")
    elif kind in ("file_search_call", "retrieval_call", "tool_search_call", "google_maps_call"):
        lines.append(f"{head}{TITLES[kind]}: {', '.join(_queries(step))}".rstrip(": "))
        if result is not None:
            raw = _field(result, "result")
            items = _flat_items(raw, "places" if kind == "google_maps_call" else None)
            for item in items[:10]:
                if isinstance(item, dict):
                    url, title = _item_label(item)
                    lines.append(f"   - {title}" + (f" {url}" if url and url != title else ""))
                else:
                    lines.append(f"   - {short(item, 100)}")
            if not items and raw not in (None, [], ""):
                lines.append(f"   → {short(raw, 200)}")
        files = [s for s in cited or [] if s.kind == "file_citation"]
        if kind == "file_search_call" and files:
            lines.append("   Cited: " + short("; ".join(s.plain() for s in files), 300))
    elif kind == "mcp_server_tool_call":
        server = _field(step, "server_name")
        where = f" on {server}" if server else ""
        lines.append(f"{head}MCP {_field(step, 'name')}{where}({short(_args(step), 100)})")
        if result is not None:
            lines.append(f"   → {short(_content_value(_field(result, 'result')), 200)}")
    elif kind == "thought":
        summary = _field(step, "summary")
        images = sum(1 for b in summary or [] if _type(b) == "image")
        more = f" (+{images} image{'s' * (images != 1)})" if images else ""
        lines.append(f"{head}Thought: {short(_texts(summary), 200)}{more}")
    elif kind in ("model_output", "user_input"):
        lines.append(f"{head}{short(_texts(_field(step, 'content')), 200)}")
    else:
        fields = {k: v for k, v in _fields(step).items() if k != "type"}
        lines.append(f"{head}{kind}: {short(fields, 200)}")
        if result is not None:
            lines.append(f"   → {short(_fields(result), 200)}")
    lines[0] += f" [{state}{took}]"
    return "\n".join(lines)
