"""A background turn (``--background``) followed until it ends: one output, updated by polling.

While it runs, one line says what the model is doing in a user's words; when it ends, the line
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

__all__ = ["BackgroundView", "activity"]

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
            data = {"text/plain": line, "text/markdown": line, "text/html": markdown_html(line)}
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
