"""The answer of a ``%%gemini`` cell, streamed as Markdown through one display handle.

Updates are coalesced to a bounded rate (``interval`` seconds apart, ~10/s by default) except the
first token and the end, which show at once. Every update carries ``text/plain`` and
``text/markdown`` plus provenance metadata, and uses the same ``display_id``, so the saved
notebook keeps exactly the final state. In terminal IPython the deltas are printed instead.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from typing import Any, cast

from ..chain import ToolRun, Turn, TurnObserver
from ._text import short as _short
from ._text import terminal_safe

METADATA_KEY = "gemini_interactions"


def tool_line(run: ToolRun) -> str:
    args = run.arguments if isinstance(run.arguments, dict) else {}
    call = ", ".join(f"{k}={_short(v, 40)}" for k, v in args.items())
    if run.result is None and not run.is_error:
        return f"🔧 `{run.name}({call})` …"
    mark = "❌" if run.is_error else "→"
    return f"🔧 `{run.name}({call})` {mark} `{_short(run.result)}`"


def asked_for_thoughts(turn: Turn) -> bool:
    """Whether the turn was sent with ``thoughts`` (``--thoughts``): only then are they shown."""
    return bool(turn.options.get("thoughts"))


def structured(turn: Turn) -> bool:
    """The turn asked for an answer in a schema (``--schema``): its text is JSON. An image,
    audio or plain-text ``response_format`` (``--format``) is not one."""
    if "schema" in turn.options:
        return True
    formats = (turn.request or {}).get("response_format")
    for item in formats if isinstance(formats, list) else [formats]:
        if isinstance(item, dict):
            kind = item.get("type")
            if kind == "text" and item.get("mime_type") == "application/json":
                return True
            if kind not in ("text", "image", "audio", "video", "document"):
                return True  # a raw JSON schema, as legacy clients sent it
    return False


def pretty_json(text: str) -> str:
    """``text`` indented when it is whole JSON; as it is otherwise (still streaming)."""
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        return text


def json_block(text: str) -> str:
    """A fenced ``json`` block (highlighted by every Markdown renderer), pretty-printed."""
    body = pretty_json(text)
    fence = "```"
    while fence in body:
        fence += "`"
    return f"{fence}json\n{body}\n{fence}"


def status_line(turn: Turn, elapsed: float | None = None) -> str:
    """The turn's one status line (``_status.status_text``), for Markdown and terminals."""
    from ._status import status_text

    return status_text(turn, elapsed)


def answer_markdown(turn: Turn, *, thoughts: bool = True, elapsed: float | None = None) -> str:
    """The whole answer of a turn as Markdown: thoughts, tool calls, text, a status line."""
    blocks: list[str] = []
    if thoughts and turn.thoughts.strip():
        quoted = "\n".join(f"> {line}" for line in turn.thoughts.strip().splitlines())
        blocks.append(f"> 💭 *Thinking*\n>\n{quoted}")
    if turn.tool_runs:
        blocks.append("  \n".join(tool_line(run) for run in turn.tool_runs))
    text = turn.output_text if turn.status not in ("streaming", "pending") else turn.text
    if text:
        blocks.append(json_block(text) if structured(turn) else text)
    elif turn.status in ("streaming", "pending", "running"):
        blocks.append("*…*")
    if turn.parse_error:
        blocks.append(f"⚠️ The structured answer could not be read: {turn.parse_error}")
    if turn.error and turn.status not in ("completed", "running"):
        note = turn.error
        if turn.status in ("interrupted", "failed", "cancelled", "requires_action"):
            note += " The chain's head did not move."
        blocks.append(f"**{turn.status}**: {note}")
    blocks.append(f"<sub>{status_line(turn, elapsed)}</sub>")
    return "\n\n".join(blocks)


def answer_plain(turn: Turn, elapsed: float | None = None) -> str:
    lines = [tool_line(run) for run in turn.tool_runs]
    text = turn.output_text if turn.status not in ("streaming", "pending") else turn.text
    if text:
        lines.append(pretty_json(text) if structured(turn) else text)
    if turn.error and turn.status not in ("completed", "running"):
        lines.append(f"[{turn.status}] {turn.error}")
    lines.append(f"[{status_line(turn, elapsed)}]")
    return "\n\n".join(lines)


def display_bundle(data: dict[str, str], **kwargs: Any) -> Any:
    """``IPython.display.display`` of a raw MIME bundle; the handle with ``display_id=True``."""
    from IPython.display import display as _display

    return cast(Any, _display)(data, raw=True, **kwargs)


def _colour(stream: Any) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class AnswerView(TurnObserver):
    """Renders one turn into one display handle (or prints it in a terminal)."""

    def __init__(
        self,
        *,
        interval: float = 0.1,
        terminal: bool = False,
        show_thoughts: bool = True,
        extra_metadata: dict[str, Any] | None = None,
        source: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.interval = interval
        self.terminal = terminal
        self.show_thoughts = show_thoughts
        self.extra_metadata = extra_metadata or {}
        self.source = source
        """Where turns go when not the live API (``Turn.source``), for their status line."""
        self.clock = clock
        self.handle: Any = None
        self.updates = 0
        self._started = clock()
        self._last = float("-inf")
        self._shown_text = 0
        self._shown_thoughts = 0
        self._shown_runs = 0
        self._line_start = True  # the terminal cursor is at the start of a line
        self._thinking = False  # the terminal is printing thoughts (dimmed)
        self._first_token_shown = False
        self._retry: str | None = None
        """The retry being waited for, shown until the next event."""

    # --- what is shown ---------------------------------------------------------------------------

    def bundle(self, turn: Turn) -> tuple[dict[str, str], dict[str, Any]]:
        elapsed = self.clock() - self._started
        data = {
            "text/plain": answer_plain(turn, elapsed),
            "text/markdown": answer_markdown(turn, thoughts=self.show_thoughts, elapsed=elapsed),
        }
        notes = [*turn.notices, *([f"⏳ {self._retry}"] if self._retry else [])]
        if notes:
            data = {k: v + "\n\n" + "  \n".join(notes) for k, v in data.items()}
        metadata = {METADATA_KEY: {**turn.provenance(), **self.extra_metadata}}
        return data, metadata

    def render(self, turn: Turn) -> None:
        """Show the turn's current state now."""
        self._last = self.clock()
        if self.terminal:
            self._print(turn)
            return
        data, metadata = self.bundle(turn)
        self.updates += 1
        if self.handle is None:
            self.handle = display_bundle(data, metadata=metadata, display_id=True)
        else:
            self.handle.update(data, raw=True, metadata=metadata)

    def _print(self, turn: Turn) -> None:
        # Model and tool text is made safe before our own styling (dim thoughts) is added.
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
        from ._bundles import turn_citations

        text = turn.text or turn.output_text
        cites = turn_citations(turn, text) if text and not structured(turn) else None
        if cites:
            print("\n" + terminal_safe(cites.plain_list()))  # titles come from the model

    def _print_media(self, turn: Turn) -> None:
        """A terminal cannot show media: each item is saved beside the working folder
        (``gemini_media/``) and named in one line (kind, type, size, where it went)."""
        from ._bundles import turn_media
        from ._media import describe, write_file

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
        if not self.terminal:
            self.render(turn)

    def on_retry(self, turn: Turn, notice: Any) -> None:
        if self.terminal:
            print(terminal_safe(f"⏳ {notice}"), file=sys.stderr)
            return
        self._retry = str(notice)
        self.render(turn)

    def on_notice(self, turn: Turn, notice: str) -> None:
        if self.terminal:
            print(terminal_safe(notice), file=sys.stderr)
        elif self.handle is not None:
            self.render(turn)

    def on_event(self, turn: Turn, event: Any) -> None:
        self._retry = None
        if not self._first_token_shown and (turn.text or turn.thoughts):
            self._first_token_shown = True
            self.render(turn)  # the first token shows at once
        elif self.clock() - self._last >= self.interval:
            self.render(turn)

    def on_tool_result(self, turn: Turn, run: ToolRun) -> None:
        self.render(turn)

    def on_end(self, turn: Turn) -> None:
        self._retry = None
        if self.terminal:
            self._print(turn)
            self._end_thought()
            if turn.status == "running":
                return  # a background turn: its BackgroundView says so, once
            if turn.output_text and not turn.text:
                print(terminal_safe(turn.output_text))  # a non-streamed answer
            plain = {"user_input", "model_output", "thought"}
            for interaction in turn.interactions:  # what the model did, round by round
                if any(step.type not in plain for step in interaction.steps):
                    from ._timeline_text import timeline_text

                    print("\n" + terminal_safe(timeline_text(interaction)))
            self._print_sources(turn)
            self._print_media(turn)
            print(terminal_safe(f"\n[{status_line(turn)}]"))
            if turn.error and turn.status not in ("completed", "running"):
                print(terminal_safe(f"[{turn.status}] {turn.error}"))
            return
        self.render(turn)


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
            from ._markdown import markdown_html

            data = {"text/plain": line, "text/markdown": line, "text/html": markdown_html(line)}
            return data, {METADATA_KEY: turn.provenance()}
        from ._bundles import answer_outputs, html_of, record

        parts = [d for d, _ in answer_outputs(turn, show_thoughts=self.show_thoughts)]
        data = {
            "text/plain": "\n\n".join(p["text/plain"] for p in parts),
            "text/markdown": answer_markdown(turn, thoughts=self.show_thoughts),
            "text/html": "".join(html_of(p) for p in parts),
        }
        return data, record(turn)

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
