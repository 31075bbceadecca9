"""A turn in a terminal (IPython without a notebook): printed as it streams, once.

A terminal cannot update what it printed, so nothing is re-sent: thoughts stream dimmed and
marked 💭, each tool call is one line when its result is in, the answer's words as they come;
at the end what the model did (the timeline), the cited sources, the media (saved beside the
working folder) and the status line. Model and tool text is made safe (``terminal_safe``)
before our own styling is added. Notebooks use ``LiveView`` instead.
"""

from __future__ import annotations

import sys
from typing import Any

from ..chain import ToolRun, Turn, TurnObserver
from ._bundles import structured, tool_line, turn_citations, turn_media
from ._media import describe, write_file
from ._status import status_text
from ._text import terminal_safe
from ._timeline_text import timeline_text

__all__ = ["TerminalPrinter"]

_PLAIN_STEPS = frozenset({"user_input", "model_output", "thought"})


def _colour(stream: Any) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class TerminalPrinter(TurnObserver):
    """Prints one turn to ``sys.stdout`` as it happens (retries and notices to ``sys.stderr``)."""

    def __init__(self, *, show_thoughts: bool = True, source: str | None = None) -> None:
        self.show_thoughts = show_thoughts
        self.source = source
        """Where turns go when not the live API (``Turn.source``), for their status line."""
        self.handle: Any = None
        """Always None: nothing printed can be updated (a background turn prints its end)."""
        self._shown_text = 0
        self._shown_thoughts = 0
        self._shown_runs = 0
        self._line_start = True  # the cursor is at the start of a line
        self._thinking = False  # printing thoughts (dimmed)

    def _print(self, turn: Turn) -> None:
        thought = turn.thoughts[self._shown_thoughts :] if self.show_thoughts else ""
        if thought:
            self._print_thought(terminal_safe(thought))
            self._shown_thoughts = len(turn.thoughts)
        runs = [r for r in turn.tool_runs[self._shown_runs :] if r.result is not None or r.is_error]
        new = turn.text[self._shown_text :]
        if runs or new:
            self._end_thought()
        for run in runs:
            self._write(terminal_safe(tool_line(run)) + "\n")
            self._shown_runs += 1
        if new:
            self._write(terminal_safe(new))
            self._shown_text = len(turn.text)

    def _print_sources(self, turn: Turn) -> None:
        """The answer's cited sources, numbered as the notebook numbers its markers."""
        text = turn.text or turn.output_text
        cites = turn_citations(turn, text) if text and not structured(turn) else None
        if cites:
            print("\n" + terminal_safe(cites.plain_list()))  # titles come from the model

    def _print_media(self, turn: Turn) -> None:
        """A terminal cannot show media: each item is saved beside the working folder
        (``gemini_media/``) and named in one line (kind, type, size, where it went)."""
        for item in turn_media(turn):
            if not item.base64:
                print(terminal_safe(describe(item)))
                continue
            try:
                print(terminal_safe(describe(item, write_file(item))))
            except OSError as exc:
                print(terminal_safe(describe(item) + f", not saved ({exc.strerror or exc})"))

    def _write(self, text: str, *, line_start: bool | None = None) -> None:
        sys.stdout.write(text)
        sys.stdout.flush()
        self._line_start = text.endswith("\n") if line_start is None else line_start

    def _print_thought(self, text: str) -> None:
        """Thoughts as they stream, each line marked 💭 (and dimmed on a colour terminal), so
        the screen is not blank while the model thinks and they never pass for the answer."""
        out = ""
        if not self._thinking:
            self._thinking = True
            if not self._line_start:
                out, self._line_start = "\n", True
            out += "\x1b[2m" if _colour(sys.stdout) else ""
        line_start = self._line_start
        for piece in text.splitlines(keepends=True):
            out += ("💭 " if line_start else "") + piece
            line_start = piece.endswith("\n")
        self._write(out, line_start=line_start)

    def _end_thought(self) -> None:
        if self._thinking:
            self._thinking = False
            reset = "\x1b[22m" if _colour(sys.stdout) else ""
            self._write(("" if self._line_start else "\n") + reset + "\n")

    # --- observer --------------------------------------------------------------------------------

    def on_start(self, turn: Turn) -> None:
        if turn.source is None:
            turn.source = self.source

    def on_retry(self, turn: Turn, notice: Any) -> None:
        print(terminal_safe(f"⏳ {notice}"), file=sys.stderr)

    def on_notice(self, turn: Turn, notice: str) -> None:
        print(terminal_safe(notice), file=sys.stderr)

    def on_event(self, turn: Turn, event: Any) -> None:
        self._print(turn)

    def on_tool_result(self, turn: Turn, run: ToolRun) -> None:
        self._print(turn)

    def on_end(self, turn: Turn) -> None:
        self._print(turn)
        self._end_thought()
        if turn.status == "running":
            return  # a background turn: its BackgroundView says so, once
        if turn.output_text and not turn.text:
            print(terminal_safe(turn.output_text))  # a non-streamed answer
        for interaction in turn.interactions:  # what the model did, round by round
            if any(step.type not in _PLAIN_STEPS for step in interaction.steps):
                print("\n" + terminal_safe(timeline_text(interaction)))
        self._print_sources(turn)
        self._print_media(turn)
        print(terminal_safe(f"\n[{status_text(turn)}]"))
        if turn.error and turn.status not in ("completed", "running"):
            print(terminal_safe(f"[{turn.status}] {turn.error}"))
