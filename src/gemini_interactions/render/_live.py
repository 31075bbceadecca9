"""The live view of a ``%%gemini`` turn in a notebook: thoughts, step cards, the answer, a status.

What reaches the frontend grows with the answer, not with answer x updates: the cell's last
output (the *live* one: the open thoughts, the unfinished end of the answer and the status line)
is the only one updated while the turn streams. When something is finished (a Markdown block, a
closed thought, a step card) the live output is updated once into that finished thing, and a new
live output is displayed after it; a finished block is never sent again. Updates are paced by a
message budget (``interval`` seconds per message, ~10 messages a second), except the first token
and the end, which show at once.

Every output carries ``text/plain``, a static ``text/html`` and (the answer) ``text/markdown``,
and provenance metadata, so the saved notebook reads the same with no kernel and no widgets.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from html import escape
from typing import Any

from ..api._fold import Fold
from ..chain import ToolRun, Turn, TurnObserver
from ._answer_view import METADATA_KEY, display_bundle, json_block, pretty_json, structured
from ._cards import step_card_html, step_card_text
from ._markdown import BlockSplitter, markdown_html

__all__ = ["LiveView", "answer_outputs", "status_html", "status_text"]

Bundle = tuple[dict[str, str], dict[str, Any]]

_HIDDEN_STEPS = frozenset(
    {"model_output", "thought", "user_input", "function_call", "function_result"}
)
"""Shown otherwise: the answer and thoughts as text, function calls from the turn's tool runs."""
_SKIPPED_DELTAS = frozenset({"text", "thought_summary", "thought_signature"})
_STATUS_STYLE = "color:var(--jp-ui-font-color2,#666);font-size:smaller"


def _tokens(turn: Turn) -> str:
    usage = turn.usage
    names = (
        ("total_input_tokens", "in"),
        ("total_output_tokens", "out"),
        ("total_thought_tokens", "thought"),
        ("total_cached_tokens", "cached"),
    )
    parts = [f"{usage[key]} {label}" for key, label in names if usage.get(key)]
    return ("tokens " + " / ".join(parts)) if parts else ""


def status_text(turn: Turn, elapsed: float | None = None) -> str:
    """model or agent · status · elapsed · tokens · interaction id (and chain/turn first)."""
    parts = [f"{turn.chain} · turn {turn.number}"]
    if turn.model:
        parts.append(turn.model)
    parts.append(turn.status)
    seconds = turn.duration if turn.duration is not None else elapsed
    if seconds is not None:
        parts.append(f"{seconds:.1f} s")
    tokens = _tokens(turn)
    if tokens:
        parts.append(tokens)
    if turn.id:
        parts.append(turn.id)
    return " · ".join(parts)


def status_html(turn: Turn, elapsed: float | None = None) -> str:
    return f'<p style="{_STATUS_STYLE}"><small>{escape(status_text(turn, elapsed))}</small></p>'


def _thought_bundle(text: str, seconds: float | None, *, open_: bool) -> dict[str, str]:
    title = "Thinking…" if open_ else f"Thought for {seconds or 0:.0f} s"
    flag = " open" if open_ else ""
    html = (
        f"<details{flag}><summary>💭 {escape(title)}</summary>"
        f"<blockquote>{markdown_html(text)}</blockquote></details>"
    )
    quoted = "\n".join(f"> {line}" for line in text.strip().splitlines())
    return {
        "text/plain": f"💭 {title}\n{text.strip()}",
        "text/html": html,
        "text/markdown": f"> 💭 *{title}*\n>\n{quoted}",
    }


def _block_bundle(text: str) -> dict[str, str]:
    return {"text/plain": text, "text/markdown": text, "text/html": markdown_html(text)}


def _run_card(run: ToolRun) -> dict[str, str]:
    call = {
        "type": "function_call",
        "id": run.call_id,
        "name": run.name,
        "arguments": run.arguments,
    }
    done = run.result is not None or run.is_error
    result = run.result_step() if done else None
    duration = run.duration if done else None
    return {
        "text/plain": step_card_text(call, result, duration=duration),
        "text/html": step_card_html(call, result, duration=duration),
    }


def _step_card(step: dict[str, Any], result: dict[str, Any] | None) -> dict[str, str]:
    return {
        "text/plain": step_card_text(step, result),
        "text/html": step_card_html(step, result),
    }


def _server_cards(steps: list[dict[str, Any]], prefix: str) -> list[tuple[str, dict[str, str]]]:
    """(key, bundle) of each server-side step (search, code, URL, unknown) in ``steps``."""
    cards: list[tuple[str, dict[str, str]]] = []
    calls: dict[str, int] = {}
    seen: dict[str, int] = {}
    raw: list[tuple[str, dict[str, Any], dict[str, Any] | None]] = []
    for step in steps:
        kind = str(step.get("type") or "unknown")
        if kind in _HIDDEN_STEPS:
            continue
        call_id = step.get("call_id")
        if kind.endswith("_result") and isinstance(call_id, str) and call_id in calls:
            key, call, _ = raw[calls[call_id]]
            raw[calls[call_id]] = (key, call, step)
            continue
        if kind.endswith("_call") and isinstance(step.get("id"), str):
            calls[str(step["id"])] = len(raw)
        # Keyed by what the step is, not where: the final interaction may number its steps
        # differently from the stream (a user_input step first), and a card must keep its output.
        seen[kind] = seen.get(kind, 0) + 1
        raw.append((f"{prefix}.{step.get('id') or kind}.{seen[kind]}", step, None))
    for key, step, result in raw:
        cards.append((key, _step_card(step, result)))
    return cards


def _event_dict(event: Any) -> dict[str, Any] | None:
    """A typed stream event as its wire dict, or None for answer/thought text (shown already)."""
    delta = getattr(event, "delta", None)
    if delta is not None and getattr(delta, "type", None) in _SKIPPED_DELTAS:
        return None
    dump = getattr(event, "model_dump", None)
    if dump is None:
        return None
    data: dict[str, Any] = dump(mode="json", exclude_none=True)
    return data


def _steps_of(interaction: Any) -> list[dict[str, Any]]:
    return [s.model_dump(mode="json", exclude_none=True) for s in interaction.steps]


def answer_outputs(turn: Turn, metadata: dict[str, Any], *, show_thoughts: bool) -> list[Bundle]:
    """A finished turn as its static outputs, in order: thoughts, cards, answer, status."""
    out: list[Bundle] = []
    thoughts = turn.thoughts.strip()
    if show_thoughts and thoughts:
        out.append((_thought_bundle(thoughts, None, open_=False), metadata))
    for run in turn.tool_runs:
        out.append((_run_card(run), metadata))
    for number, interaction in enumerate(turn.interactions):
        for _, bundle in _server_cards(_steps_of(interaction), str(number)):
            out.append((bundle, metadata))
    text = turn.output_text
    if text:
        shown = json_block(text) if structured(turn) else text
        bundle = _block_bundle(shown)
        if structured(turn):
            bundle["text/plain"] = pretty_json(text)
        out.append((bundle, metadata))
    out.append((_final_bundle(turn, None), metadata))
    return out


def _final_bundle(turn: Turn, elapsed: float | None) -> dict[str, str]:
    notes: list[str] = list(turn.notices)
    if turn.parse_error:
        notes.append(f"⚠️ The structured answer could not be read: {turn.parse_error}")
    if turn.error and turn.status not in ("completed", "running"):
        note = f"{turn.status}: {turn.error}"
        if turn.status in ("interrupted", "failed", "cancelled", "requires_action"):
            note += " The chain's head did not move."
        notes.append(note)
    status = status_text(turn, elapsed)
    plain = "\n".join([*notes, f"[{status}]"])
    html = "".join(f"<p>{escape(n)}</p>" for n in notes) + status_html(turn, elapsed)
    markdown = "\n\n".join(
        [*(escape(n, quote=False) for n in notes), f"<sub>{escape(status, quote=False)}</sub>"]
    )
    return {"text/plain": plain, "text/html": html, "text/markdown": markdown}


class LiveView(TurnObserver):
    """Shows one turn as it happens, as a sequence of outputs (see the module's docstring)."""

    def __init__(
        self,
        *,
        interval: float = 0.1,
        show_thoughts: bool = True,
        extra_metadata: dict[str, Any] | None = None,
        clock: Callable[[], float] = time.monotonic,
        display: Callable[..., Any] = display_bundle,
    ) -> None:
        self.interval = interval
        self.show_thoughts = show_thoughts
        self.extra_metadata = extra_metadata or {}
        self.clock = clock
        self._display = display
        self.handle: Any = None
        """The live output's display handle (the cell's last output)."""
        self.handles: list[Any] = []
        """Every output this view made, in order."""
        self.messages = 0
        """Display messages sent (new outputs and updates)."""
        self._started = clock()
        self._next = float("-inf")
        self._first_shown = False
        self._splitter = BlockSplitter()
        self._thoughts_done = 0
        self._thought_since: float | None = None
        self._cards: dict[str, tuple[Any, dict[str, str]]] = {}
        self._fold = Fold()
        self._retry: str | None = None

    # --- metadata --------------------------------------------------------------------------------

    def _metadata(self, turn: Turn) -> dict[str, Any]:
        return {METADATA_KEY: {**turn.provenance(), **self.extra_metadata}}

    # --- outputs ---------------------------------------------------------------------------------

    def _send(self, data: dict[str, str], metadata: dict[str, Any]) -> Any:
        """Put a finished output in place: the live output becomes it, or a new one is shown."""
        self.messages += 1
        if self.handle is None:
            handle = self._display(data, metadata=metadata, display_id=True)
            self.handles.append(handle)
            return handle
        handle, self.handle = self.handle, None
        handle.update(data, raw=True, metadata=metadata)
        return handle

    def _update(self, handle: Any, data: dict[str, str], metadata: dict[str, Any]) -> None:
        self.messages += 1
        handle.update(data, raw=True, metadata=metadata)

    def _live_bundle(self, turn: Turn, text: str, thoughts: str) -> dict[str, str]:
        elapsed = self.clock() - self._started
        plain: list[str] = []
        html: list[str] = []
        markdown: list[str] = []
        if thoughts.strip():
            part = _thought_bundle(thoughts, None, open_=True)
            plain.append(part["text/plain"])
            html.append(part["text/html"])
            markdown.append(part["text/markdown"])
        if text:
            plain.append(text)
            html.append(markdown_html(text))
            markdown.append(text)
        notes = [*turn.notices, *([f"⏳ {self._retry}"] if self._retry else [])]
        if turn.status in ("streaming", "pending", "running") and not text and not thoughts:
            notes.insert(0, "…")
        if turn.status in ("streaming", "pending"):
            status = status_text(turn, elapsed)
            plain.extend([*notes, f"[{status}]"])
            html.append("".join(f"<p>{escape(n)}</p>" for n in notes) + status_html(turn, elapsed))
            markdown.append("\n\n".join([*notes, f"<sub>{escape(status, quote=False)}</sub>"]))
            return {
                "text/plain": "\n\n".join(plain),
                "text/html": "".join(html),
                "text/markdown": "\n\n".join(markdown),
            }
        final = _final_bundle(turn, elapsed)
        return {
            "text/plain": "\n\n".join([*plain, final["text/plain"]]),
            "text/html": "".join([*html, final["text/html"]]),
            "text/markdown": "\n\n".join([*markdown, final["text/markdown"]]),
        }

    def render(self, turn: Turn, *, final: bool = False) -> None:
        """Bring the outputs up to the turn's state now."""
        before = self.messages
        metadata = self._metadata(turn)
        text = turn.text if not final else self._final_text(turn)
        thoughts = turn.thoughts if self.show_thoughts else ""
        new_thought = thoughts[self._thoughts_done :]
        if new_thought and self._thought_since is None:
            self._thought_since = self.clock()
        cards = self._card_bundles(turn)
        fresh = [(key, data) for key, data in cards if key not in self._cards]
        moved_on = bool(fresh) or len(text) > self._splitter.done or final
        if new_thought.strip() and moved_on and (final or text or fresh):
            seconds = self.clock() - (self._thought_since or self.clock())
            self._send(_thought_bundle(new_thought, seconds, open_=False), metadata)
            self._thoughts_done, self._thought_since, new_thought = len(thoughts), None, ""
        for key, data in cards:
            placed = self._cards.get(key)
            if placed is not None and placed[1] != data:
                self._update(placed[0], data, metadata)
                self._cards[key] = (placed[0], data)
        finished = self._splitter.force(text) if fresh else self._splitter.feed(text)
        if finished:
            self._send(_block_bundle(finished), metadata)
        for key, data in fresh:
            self._cards[key] = (self._send(data, metadata), data)
        tail = self._splitter.tail(text)
        live = self._live_bundle(turn, tail, new_thought)
        self.messages += 1
        if self.handle is None:
            self.handle = self._display(live, metadata=metadata, display_id=True)
            self.handles.append(self.handle)
        else:
            self.handle.update(live, raw=True, metadata=metadata)
        # The budget: the next update waits one interval per message this one sent.
        self._next = self.clock() + self.interval * (self.messages - before)

    def _final_text(self, turn: Turn) -> str:
        text = turn.output_text if turn.text == "" else turn.text
        if structured(turn) and text:
            return json_block(text)
        return text

    def _card_bundles(self, turn: Turn) -> list[tuple[str, dict[str, str]]]:
        cards = [(f"run.{i}", _run_card(run)) for i, run in enumerate(turn.tool_runs)]
        for number, interaction in enumerate(turn.interactions):
            cards.extend(_server_cards(_steps_of(interaction), str(number)))
        if self._fold.steps:
            snapshot = self._fold.snapshot()
            cards.extend(_server_cards(snapshot["steps"], str(len(turn.interactions))))
        return cards

    # --- observer --------------------------------------------------------------------------------

    def on_start(self, turn: Turn) -> None:
        if self.handle is None:
            self.render(turn)

    def on_event(self, turn: Turn, event: Any) -> None:
        self._retry = None
        data = _event_dict(event)
        if data is not None and str(data.get("event_type", "")).startswith("step."):
            self._fold.feed(data)
            if (
                data["event_type"] == "step.start"
                and self.handle is not None
                and self._unplaced(turn)
            ):
                # A card that finished inside the update budget is placed before the next step's
                # text arrives; otherwise that text's first chunk was frozen above the card.
                self.render(turn)
                return
        if not self._first_shown and (turn.text or turn.thoughts):
            self._first_shown = True
            self.render(turn)  # the first token shows at once
        elif self.clock() >= self._next:
            self.render(turn)

    def _unplaced(self, turn: Turn) -> bool:
        return any(key not in self._cards for key, _ in self._card_bundles(turn))

    def on_round(self, turn: Turn, interaction: Any) -> None:
        self._fold = Fold()  # the round's steps are in turn.interactions now

    def on_tool_call(self, turn: Turn, run: ToolRun) -> None:
        turn.tool_runs.append(run)
        try:
            self.render(turn)
        finally:
            turn.tool_runs.remove(run)

    def on_tool_result(self, turn: Turn, run: ToolRun) -> None:
        self.render(turn)

    def on_retry(self, turn: Turn, notice: Any) -> None:
        self._retry = str(notice)
        self.render(turn)

    def on_notice(self, turn: Turn, notice: str) -> None:
        if self.handle is not None:
            self.render(turn)

    def on_end(self, turn: Turn) -> None:
        self._retry = None
        self._fold = Fold()
        self.render(turn, final=turn.status != "running")
