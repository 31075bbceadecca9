"""The live view of a ``%%gemini`` turn in a notebook: thoughts, step cards, the answer, a status.

What reaches the frontend grows with the answer, not with answer x updates: the cell's last
output (the *live* one: the open thought, the unfinished end of the answer and the status line)
is the only one updated while the turn streams. When something is finished (a Markdown block, a
closed thought, a step card) the live output is updated once into that finished thing, and a new
live output is displayed after it; a finished block is never sent again. A streaming thought
shows only its last paragraph, and is sent whole once, collapsed, when it ends. Updates are paced
by a message budget (``interval`` seconds per message, ~10 messages a second), except the first
token, a new step and the end, which show at once.

Every finished output carries ``text/plain`` and a static ``text/html`` (the answer also
``text/markdown``), so the saved notebook reads the same with no kernel and no widgets. The live
output, replaced within a fraction of a second, carries the HTML and, as ``text/plain``, only
the status line (the bytes of every message count: the benchmark's 100 KB answer is sent at
about 3.5x its size, a third of it the finished blocks' three copies).
The cell's last output carries the turn's record, every other one a pointer to it (``_bundles``).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from html import escape
from typing import Any

from ..api._fold import Fold
from ..api._media import MEDIA_KINDS
from ..chain import ToolRun, Turn, TurnObserver
from ._bundles import (
    answer_text,
    block_bundle,
    display_bundle,
    final_bundle,
    pointer,
    record,
    structured,
    thinking_html,
    thought_bundle,
    turn_cards,
    turn_citations,
    turn_media,
)
from ._citations import Citations
from ._markdown import BlockChunks, BlockSplitter, markdown_html, parser, tail_html
from ._media import Keys, media_bundle, media_key
from ._status import streaming_status

__all__ = ["LiveView"]

_SKIPPED_DELTAS = frozenset({"text", "thought_summary", "thought_signature"})
_CHUNK_FROM = 2000
"""An unfinished block this long is frozen in pieces rather than re-sent whole (``_Growing``)."""
_CHUNK_EVERY = 2
"""A piece of a growing block is charged this many update intervals: its own message, and the
one that empties it when the block ends (sent then without waiting)."""
_EMPTY = {"text/plain": ""}
_TEXT_STEPS = frozenset({"model_output", "thought", "user_input"})
_NO_CITES = Citations()


def _carries(event: Any) -> tuple[bool, bool]:
    """Whether a stream event brings (annotations, media): what makes the view look for them,
    so an answer with neither costs nothing more."""
    delta = getattr(event, "delta", None)
    kind = getattr(delta, "type", None)
    if kind == "text_annotation_delta" or (kind == "text" and getattr(delta, "annotations", None)):
        return True, False
    if kind in MEDIA_KINDS:
        return False, True
    if kind == "thought_summary":
        return False, getattr(getattr(delta, "content", None), "type", None) in MEDIA_KINDS
    step = getattr(event, "step", None)
    if step is not None:
        blocks = [*(getattr(step, "content", None) or []), *(getattr(step, "summary", None) or [])]
        return (
            any(getattr(b, "annotations", None) for b in blocks),
            any(getattr(b, "type", None) in MEDIA_KINDS for b in blocks),
        )
    return False, False


class _Growing:
    """A long unfinished block shown as frozen pieces (``BlockChunks``), each sent once.

    The first piece is the output the block will be once finished, sent then whole; the later
    pieces are emptied then (one small update each: a display id is one output's, and a new
    output with an id already shown would overwrite the earlier ones in JupyterLab). While the
    block grows there is no live output below it: its pieces are the live part.
    """

    def __init__(self, chunks: BlockChunks, handle: Any, part: int, frozen: int) -> None:
        self.chunks = chunks
        self.handle = handle
        self.part = part
        self.frozen = frozen
        """How much of the block (the splitter's tail) the pieces show."""
        self.rest: list[Any] = []
        """The handles of the pieces after the first."""


def _event_dict(event: Any) -> dict[str, Any] | None:
    """A typed stream event as its wire dict, or None for answer/thought text (shown already)."""
    delta = getattr(event, "delta", None)
    kind = getattr(delta, "type", None)
    if kind in _SKIPPED_DELTAS and not (
        kind == "thought_summary"
        and getattr(getattr(delta, "content", None), "type", None) in MEDIA_KINDS
    ):  # an image in a thought summary is folded, to be drawn as it arrives
        return None
    dump = getattr(event, "model_dump", None)
    if dump is None:
        return None
    data: dict[str, Any] = dump(mode="json", exclude_none=True)
    return data


class LiveView(TurnObserver):
    """Shows one turn as it happens, as a sequence of outputs (see the module's docstring)."""

    def __init__(
        self,
        *,
        interval: float = 0.1,
        show_thoughts: bool = True,
        extra_metadata: dict[str, Any] | None = None,
        source: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        display: Callable[..., Any] = display_bundle,
    ) -> None:
        self.interval = interval
        self.show_thoughts = show_thoughts
        self.extra_metadata = extra_metadata or {}
        self.source = source
        """Where turns go when not the live API (``Turn.source``), for their status line."""
        self.clock = clock
        self._display = display
        self.handle: Any = None
        """The live output's display handle (the cell's last output)."""
        self.handles: list[Any] = []
        """Every output this view made, in order."""
        self.messages = 0
        """Display messages sent (new outputs and updates)."""
        self._id = uuid.uuid4().hex[:10]
        """Display ids are this plus the output's number: short, as every message carries one."""
        parser()  # markdown-it's import (~20 ms) now, while the request is on its way
        self._started = clock()
        self._next = float("-inf")
        self._first_shown = False
        self._splitter = BlockSplitter()
        self._thoughts_done = 0
        self._thought_since: float | None = None
        self._cards: dict[str, tuple[Any, dict[str, str], int]] = {}
        self._fold = Fold()
        self._retry: str | None = None
        self._running: ToolRun | None = None
        """The function tool running now (its card says so)."""
        self._blocks: list[tuple[Any, int, int, int, dict[str, str]]] = []
        """Finished answer blocks: (handle, part, start, end in the text, bundle sent)."""
        self._cites = _NO_CITES
        self._sources: tuple[Any, int, dict[str, str]] | None = None
        """The Sources output (handle, part, bundle), once the answer cites anything."""
        self._annotated = False
        self._has_media = False
        self._media_sent: set[str] = set()
        self._keys: Keys = {}
        self._round_start = 0
        """Where the streaming round's words begin in the answer text (its annotations count
        from there: the stream's text is not folded, only shown)."""
        self._growing: _Growing | None = None
        self._prepaid = 0
        """Messages of this update already charged to the budget (emptied pieces)."""

    # --- outputs ---------------------------------------------------------------------------------

    def _send(self, data: dict[str, str], turn: Turn) -> tuple[Any, int]:
        """Put a finished output in place: the live output becomes it, or a new one is shown."""
        self.messages += 1
        if self.handle is None:
            part = len(self.handles)
            handle = self._new(data, pointer(turn, part))
            self.handles.append(handle)
            return handle, part
        handle, self.handle = self.handle, None
        part = len(self.handles) - 1
        handle.update(data, raw=True, metadata=pointer(turn, part))
        return handle, part

    def _new(self, data: dict[str, str], metadata: dict[str, Any]) -> Any:
        display_id = f"{self._id}-{len(self.handles)}"
        return self._display(data, metadata=metadata, display_id=display_id)

    def _live_bundle(
        self, turn: Turn, tails: tuple[str, str], thought: str, *, final: bool
    ) -> dict[str, str]:
        tail, plain_tail = tails
        elapsed = self.clock() - self._started
        plain: list[str] = []
        html: list[str] = []
        if thought.strip():
            plain.append("💭 Thinking…")
            html.append(thinking_html(thought))
        if final:
            end = final_bundle(turn, elapsed)
            if not tail:
                return end
            return {
                "text/plain": f"{plain_tail}\n\n{end['text/plain']}",
                "text/html": tail_html(tail, self._splitter.done) + end["text/html"],
                "text/markdown": f"{tail}\n\n{end['text/markdown']}",
            }
        if tail:
            # Not in text/plain: every frontend that updates a display shows the HTML, and the
            # finished block (which has text/plain) replaces this within a fraction of a second.
            html.append(markdown_html(tail))
        notes = [*turn.notices, *([f"⏳ {self._retry}"] if self._retry else [])]
        if turn.status in ("streaming", "pending", "running") and not tail and not thought:
            notes.insert(0, "…")
        status = streaming_status(turn, elapsed)
        plain.extend([*notes, f"[{status}]"])
        html.extend(f"<p>{escape(n)}</p>" for n in notes)
        html.append(f"<p><small>{escape(status)}</small></p>")
        return {"text/plain": "\n\n".join(plain), "text/html": "".join(html)}

    def render(self, turn: Turn, *, final: bool = False) -> None:
        """Bring the outputs up to the turn's state now."""
        before = self.messages
        self._prepaid = 0
        text = answer_text(turn) if final else turn.text
        thoughts = turn.thoughts if self.show_thoughts else ""
        new_thought = thoughts[self._thoughts_done :]
        if new_thought and self._thought_since is None:
            self._thought_since = self.clock()
        streaming = self._fold.snapshot()["steps"] if self._fold.steps else None
        cards = turn_cards(turn, streaming, running=self._running, ended=final)
        fresh = [(key, data) for key, data in cards if key not in self._cards]
        media = self._fresh_media(turn, streaming, final)
        cites = self._citations(turn, text, streaming, final)
        place_sources = bool(cites) and self._sources is None
        force = bool(fresh or media or place_sources)
        moved_on = force or len(text) > self._splitter.done or final
        if new_thought.strip() and moved_on and (final or text or force):
            seconds = self.clock() - (self._thought_since or self.clock())
            self._send(thought_bundle(new_thought, seconds), turn)
            self._thoughts_done, self._thought_since, new_thought = len(thoughts), None, ""
        for key, data in cards:
            placed = self._cards.get(key)
            if placed is not None and placed[1] != data:
                self.messages += 1
                placed[0].update(data, raw=True, metadata=pointer(turn, placed[2]))
                self._cards[key] = (placed[0], data, placed[2])
        if cites.annotations != self._cites.annotations:
            self._cite_blocks(turn, text, cites)
        start = self._splitter.done
        finished = self._splitter.force(text) if force else self._splitter.feed(text)
        if final and self._growing is not None and not self._splitter.in_fence:
            finished += self._splitter.force(text)  # the answer ended inside the grown block
        if finished:
            end = start + len(finished)
            data = block_bundle(text, cites, start, end)
            if self._growing is not None:  # its first piece becomes the block
                handle, part = self._finish_growing(data, turn)
            else:
                handle, part = self._send(data, turn)
            self._blocks.append((handle, part, start, end, data))
        if place_sources:
            # Under the answer's last words, as soon as its first annotation arrives.
            handle, part = self._send(cites.bundle(), turn)
            self._sources = (handle, part, cites.bundle())
        for item in media:
            self._send(media_bundle(item), turn)
            self._media_sent.add(media_key(item, self._keys))
        for key, data in fresh:
            handle, part = self._send(data, turn)
            self._cards[key] = (handle, data, part)
        if final and self._growing is not None:  # an open fence at the end: whole, as it is
            start, end = self._splitter.done, len(text)
            self._splitter.done = end
            data = block_bundle(text, cites, start, end)
            handle, part = self._finish_growing(data, turn)
            self._blocks.append((handle, part, start, end, data))
        done = self._splitter.done
        if not final and self._grow(turn, text[done:]):
            # The budget, as below; a piece is charged for its own emptying too.
            spent = self.messages - before - self._prepaid
            self._next = self.clock() + self.interval * max(spent, _CHUNK_EVERY if spent else 0)
            return
        if cites:
            tails = (
                cites.apply(text, done, style="markdown"),
                cites.apply(text, done, style="plain"),
            )
        else:
            tail = text[done:]
            tails = (tail, tail)
        live = self._live_bundle(turn, tails, new_thought, final=final)
        self.messages += 1
        if self.handle is None:
            self.handle = self._new(live, self._metadata(turn, len(self.handles) + 1, final))
            self.handles.append(self.handle)
        else:
            metadata = self._metadata(turn, len(self.handles), final)
            self.handle.update(live, raw=True, metadata=metadata)
        # The budget: the next update waits one interval per message this one sent.
        self._next = self.clock() + self.interval * (self.messages - before - self._prepaid)

    def _grow(self, turn: Turn, tail: str) -> bool:
        """Freeze what is complete of a long unfinished block into pieces; True when its pieces
        are the live part (no live output is updated)."""
        growing = self._growing
        if growing is None:
            if len(tail) < _CHUNK_FROM:
                return False
            chunks = BlockChunks(tail)
            cut = chunks.cut(tail, first=True)
            if not cut:
                return False
            # The live output (or a new one) becomes the first piece: where the block will be.
            handle, part = self._send({"text/html": chunks.html(tail[:cut], first=True)}, turn)
            self._growing = _Growing(chunks, handle, part, cut)
            return True
        pending = tail[growing.frozen :]
        cut = growing.chunks.cut(pending, first=False)
        if cut:
            self.messages += 1
            data = {"text/html": growing.chunks.html(pending[:cut], first=False)}
            handle = self._new(data, {})
            self.handles.append(handle)
            growing.rest.append(handle)
            growing.frozen += cut
        return True

    def _finish_growing(self, data: dict[str, str], turn: Turn) -> tuple[Any, int]:
        """The grown block is finished: its first piece becomes the whole block (one output, as
        the saved notebook keeps it) and the other pieces are emptied (paid for when sent)."""
        growing, self._growing = self._growing, None
        assert growing is not None
        self.messages += 1
        growing.handle.update(data, raw=True, metadata=pointer(turn, growing.part))
        for piece in growing.rest:
            piece.update(_EMPTY, raw=True, metadata={})
        self.messages += len(growing.rest)
        self._prepaid += len(growing.rest)
        return growing.handle, growing.part

    def _citations(
        self, turn: Turn, text: str, streaming: list[dict[str, Any]] | None, final: bool
    ) -> Citations:
        if not (self._annotated or final) or structured(turn):
            return self._cites
        start = self._round_start
        if start > 0 and text.startswith("\n\n", start):
            start += 2  # the paragraph break the runner puts before a new round's words
        found = turn_citations(turn, text, streaming, live_start=start)
        if final and not found and self._cites:
            return self._cites  # a turn that ended without its final interaction keeps them
        return found

    def _cite_blocks(self, turn: Turn, text: str, cites: Citations) -> None:
        """New annotations: the finished blocks they mark are sent again, once, with their
        markers; the Sources output is brought up to date."""
        self._cites = cites
        for n, (handle, part, start, end, sent) in enumerate(self._blocks):
            data = block_bundle(text, cites, start, end)
            if data != sent:
                self.messages += 1
                handle.update(data, raw=True, metadata=pointer(turn, part))
                self._blocks[n] = (handle, part, start, end, data)
        if self._sources is not None and self._sources[2] != cites.bundle():
            handle, part, _ = self._sources
            self.messages += 1
            handle.update(cites.bundle(), raw=True, metadata=pointer(turn, part))
            self._sources = (handle, part, cites.bundle())

    def _fresh_media(
        self, turn: Turn, streaming: list[dict[str, Any]] | None, final: bool
    ) -> list[Any]:
        if not (self._has_media or final):
            return []
        items = turn_media(turn, streaming, self._keys)
        return [m for m in items if media_key(m, self._keys) not in self._media_sent]

    def _metadata(self, turn: Turn, outputs: int, final: bool) -> dict[str, Any]:
        """The live output's: the record once the turn has ended (it is the last output); while
        it streams none, as the output is replaced by a finished one that carries its own."""
        return record(turn, self.extra_metadata, outputs) if final else {}

    def _card_bundles(self, turn: Turn, *, final: bool) -> list[tuple[str, dict[str, str]]]:
        streaming = self._fold.snapshot()["steps"] if self._fold.steps else None
        return turn_cards(turn, streaming, running=self._running, ended=final)

    # --- observer --------------------------------------------------------------------------------

    def on_start(self, turn: Turn) -> None:
        if turn.source is None:
            turn.source = self.source
        if self.handle is None:
            self.render(turn)

    def on_event(self, turn: Turn, event: Any) -> None:
        self._retry = None
        annotated, media = _carries(event)
        self._annotated |= annotated
        self._has_media |= media
        step_changed = media or (annotated and self._sources is None)
        data = _event_dict(event)
        kind = str(data.get("event_type", "")) if data is not None else ""
        if data is not None and kind.startswith("step."):
            count = len(self._fold.steps)
            self._fold.feed(data)
            if kind != "step.delta" or len(self._fold.steps) > count:
                newest = self._fold.steps.get(self._fold_index(data))
                step_changed |= newest is not None and newest.get("type") not in _TEXT_STEPS
            if kind == "step.start" and self.handle is not None and self._unplaced(turn):
                # A card that finished inside the update budget is placed before the next step's
                # text arrives; otherwise that text's first chunk was frozen above the card.
                step_changed = True
        if not self._first_shown and (turn.text or turn.thoughts):
            self._first_shown = True
            self.render(turn)  # the first token shows at once
        elif step_changed or self.clock() >= self._next:
            self.render(turn)  # a step (a tool call, a search) shows as soon as it arrives

    def _unplaced(self, turn: Turn) -> bool:
        return any(key not in self._cards for key, _ in self._card_bundles(turn, final=False))

    def _fold_index(self, data: dict[str, Any]) -> int:
        index = data.get("index")
        return index if isinstance(index, int) else max(self._fold.steps, default=0)

    def on_round(self, turn: Turn, interaction: Any) -> None:
        self._fold = Fold()  # the round's steps are in turn.interactions now
        self._round_start = len(turn.text)

    def on_tool_call(self, turn: Turn, run: ToolRun) -> None:
        self._running = run  # drawn by the cards as running; the runner records it when done
        self.render(turn)

    def on_tool_result(self, turn: Turn, run: ToolRun) -> None:
        self._running = None
        self.render(turn)

    def on_retry(self, turn: Turn, notice: Any) -> None:
        self._retry = str(notice)
        self.render(turn)

    def on_notice(self, turn: Turn, notice: str) -> None:
        if self.handle is not None:
            self.render(turn)

    def on_end(self, turn: Turn) -> None:
        self._retry = None
        self._running = None
        self._fold = Fold()
        self.render(turn, final=turn.status != "running")
