"""A background turn (``--background``) followed until it ends: one output, updated by polling.

While it runs, one line says what the model is doing in a user's words, with the newest thought
summary under it (when thoughts are shown); when it ends, the line
becomes the turn as a finished turn shows itself (``turn_bundle``). In a terminal, which cannot
update what it printed, the status is printed once and the answer once.
"""

from __future__ import annotations

import time
from typing import Any

from ..chain import Turn
from ._bundles import METADATA_KEY, display_bundle, turn_bundle
from ._markdown import markdown_html
from ._text import terminal_safe

__all__ = ["BackgroundView", "activity", "latest_thought"]

_DOING = {
    "thought": "thinking",
    "google_search_call": "searching the web",
    "google_search_result": "reading search results",
    "code_execution_call": "running code",
    "code_execution_result": "reading the code's output",
    "url_context_call": "reading web pages",
    "url_context_result": "reading web pages",
    "function_call": "waiting for a tool",
    "file_search_call": "searching your files",
    "google_maps_call": "searching maps",
    "mcp_server_tool_call": "calling an MCP tool",
    "model_output": "writing the answer",
}
"""What the model is doing, in a user's words, when the newest step is of this type."""

_COUNTED = {
    "thought": ("thought", "thoughts"),
    "google_search_call": ("search", "searches"),
    "code_execution_call": ("code run", "code runs"),
    "url_context_call": ("page read", "page reads"),
    "function_call": ("tool call", "tool calls"),
    "file_search_call": ("file search", "file searches"),
    "google_maps_call": ("maps search", "maps searches"),
    "mcp_server_tool_call": ("MCP tool call", "MCP tool calls"),
}
"""The steps worth counting (an action each; results and the answer are not)."""


_THOUGHT_CHARS = 400
"""How much of the newest thought summary a running background turn shows: enough to follow
what the agent is weighing, bounded so each update of the status costs the same bytes."""


def latest_thought(steps: list[Any]) -> str | None:
    """The newest thought summary's text (its last ``_THOUGHT_CHARS``, cut at a word), or
    ``None`` when no thought has words yet. A Deep Research agent works for minutes in the
    background; this is what it is thinking now."""
    for step in reversed(steps):
        if str(getattr(step, "type", "")) != "thought":
            continue
        parts = [getattr(c, "text", None) for c in getattr(step, "summary", None) or []]
        text = " ".join(" ".join(p.split()) for p in parts if isinstance(p, str) and p.strip())
        if not text:
            continue
        if len(text) > _THOUGHT_CHARS:
            cut = text[-_THOUGHT_CHARS:]
            text = "…" + (cut.split(" ", 1)[1] if " " in cut else cut)
        return text
    return None


def activity(steps: list[Any], server_status: str | None) -> str:
    """A background turn's progress in plain words: "searching the web; 2 searches, 1 thought
    so far" (never wire names such as ``google_search_call`` or ``in_progress``)."""
    kinds = [str(getattr(step, "type", "") or "") for step in steps]
    kinds = [k for k in kinds if k and k != "user_input"]
    if not kinds:
        return "waiting in the queue" if server_status == "queued" else "starting"
    newest = kinds[-1]
    doing = _DOING.get(newest, "working")
    counts: dict[str, int] = {}
    for kind in kinds:
        if kind in _COUNTED:
            counts[kind] = counts.get(kind, 0) + 1
    done = [f"{n} {_COUNTED[k][n != 1]}" for k, n in counts.items()]
    return doing + (f"; {', '.join(done)} so far" if done else "")


def _md_escape(text: str) -> str:
    """A thought shown as Markdown without its own markup (headings, lists, HTML) taking over
    the status display."""
    return "".join("\\" + ch if ch in "\\`*_{}[]<>#+-!|" else ch for ch in text)


class BackgroundView:
    """A status display for a background turn, updated by polling until it ends.

    In a terminal, which cannot update what it printed, it prints the status once and the answer
    once, when the turn ends."""

    def __init__(
        self, *, show_thoughts: bool = True, handle: Any = None, terminal: bool = False
    ) -> None:
        self.handle: Any = handle
        """The cell's display (the streamed view's, taken over so the cell has one output)."""
        self.show_thoughts = show_thoughts
        self.terminal = terminal
        self.printed: str | None = None
        """In a terminal: the last status printed (running, or the final one)."""
        self.started = time.monotonic()

    def bundle(self, turn: Turn) -> tuple[dict[str, str], dict[str, Any]]:
        if turn.status == "running":
            interaction = turn.interaction
            steps = list(interaction.steps) if interaction is not None else []
            server_status = interaction.status if interaction is not None else "queued"
            elapsed = time.monotonic() - self.started
            line = (
                f"⏳ Background turn {turn.number} of {turn.chain}, {elapsed:.0f} s: "
                f"{activity(steps, server_status)}. `%gemini wait` blocks until it is done."
            )
            thought = latest_thought(steps) if self.show_thoughts else None
            text = markdown = line
            if thought:
                text = f"{line}\n  💭 {thought}"
                markdown = f"{line}\n\n> 💭 {_md_escape(thought)}"
            data = {
                "text/plain": text,
                "text/markdown": markdown,
                "text/html": markdown_html(markdown),
            }
            return data, {METADATA_KEY: turn.provenance()}
        return turn_bundle(turn, show_thoughts=self.show_thoughts)

    def render(self, turn: Turn) -> None:
        self._show(*self.bundle(turn))

    def dropped(self, turn: Turn) -> None:
        """The turn's chain was removed: say it is no longer followed (not "running" for ever)."""
        line = (
            f"⏹ Background turn {turn.number} of {turn.chain} is no longer followed: its chain "
            f"was reset, so its result is not kept · {turn.id}"
        )
        self._show({"text/plain": line, "text/markdown": line}, {METADATA_KEY: turn.provenance()})

    def _show(self, data: dict[str, str], metadata: dict[str, Any]) -> None:
        if self.terminal:
            state = "running" if metadata[METADATA_KEY]["status"] == "running" else "ended"
            if self.printed != state:
                self.printed = state
                print(terminal_safe(data["text/plain"]))
            return
        if self.handle is None:
            self.handle = display_bundle(data, metadata=metadata, display_id=True)
        else:
            self.handle.update(data, raw=True, metadata=metadata)
