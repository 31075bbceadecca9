"""When each part of a turn happened, taken from when its stream events arrived.

The time axis (``%gemini timeline``) and the traces read these spans; they are recorded in the
turn (``Turn.timing``) and saved with it, so a loaded or exported chain draws the same picture
without the server. Times are seconds since the turn started (``Turn.started_at``), measured on
a monotonic clock so a wall-clock jump cannot bend the axis.

What a span is: ``waiting`` (a request is out, nothing arrived yet), one span per step of the
answer from its first event to its last (``thought``, ``model_output``, ``google_search_call``,
``function_call`` …, the step's own type), ``tool`` (the notebook's own function running), and
``request`` for a round that did not stream (one span for the whole request).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..api._events import StepDeltaEvent, StepStartEvent, StepStopEvent
from ..api._fold import synthesize

__all__ = ["StepTime", "TimingRecorder"]


@dataclass
class StepTime:
    """One bar of the time axis."""

    kind: str
    """A step type, or ``waiting``, ``tool`` (the notebook's function), ``request``."""
    round: int
    """1 for the prompt's request, 2 for the first tool round's, and so on."""
    start: float
    """Seconds since the turn started."""
    end: float
    index: int | None = None
    """The step's index within its round's interaction (None for waiting, tool, request)."""
    name: str | None = None
    """A function call's or a tool's name."""
    tokens: int | None = None
    """Tokens the step (or the non-streamed request) used, when the server said."""

    @property
    def duration(self) -> float:
        return max(0.0, self.end - self.start)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "kind": self.kind,
            "round": self.round,
            "start": round(self.start, 3),
            "end": round(self.end, 3),
        }
        for key in ("index", "name", "tokens"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StepTime:
        index, tokens = data.get("index"), data.get("tokens")
        return cls(
            kind=str(data["kind"]),
            round=int(data.get("round") or 1),
            start=float(data["start"]),
            end=float(data["end"]),
            index=index if type(index) is int else None,
            name=str(data["name"]) if data.get("name") is not None else None,
            tokens=tokens if type(tokens) is int else None,
        )


def _tokens(usage: Any) -> int | None:
    if usage is None:
        return None
    for key in ("total_output_tokens", "total_tokens"):
        value = getattr(usage, key, None)
        if isinstance(value, int):
            return value
    return None


class TimingRecorder:
    """Turns a round's events, as they arrive, into ``StepTime`` spans appended to ``spans``.

    Cheap per event (a dict lookup and a clock read): it runs on every delta of the stream.
    """

    def __init__(
        self, spans: list[StepTime], started_at: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.spans = spans
        self._clock = clock
        # Zero is the turn's start, which may be a little before the recorder exists.
        self._zero = clock() - max(0.0, time.time() - started_at)
        self._round = 0
        self._waiting: StepTime | None = None
        self._open: dict[int, StepTime] = {}

    def now(self) -> float:
        # Milliseconds, as saved: a loaded turn draws exactly what the live one drew.
        return round(self._clock() - self._zero, 3)

    def request_sent(self, round_no: int) -> None:
        """A request of the turn went out: waiting until its first step arrives."""
        self._round = round_no
        self._open = {}
        now = self.now()
        self._waiting = StepTime("waiting", round_no, now, now)
        self.spans.append(self._waiting)

    def event(self, event: Any) -> None:
        if isinstance(event, StepStartEvent | StepDeltaEvent | StepStopEvent):
            self._step_event(event)

    def _step_event(self, event: StepStartEvent | StepDeltaEvent | StepStopEvent) -> None:
        now = self.now()
        if self._waiting is not None:
            self._waiting.end = now
            self._waiting = None
        index = event.index if isinstance(event.index, int) else max(self._open, default=0)
        span = self._open.get(index)
        if span is None:
            if isinstance(event, StepStopEvent):
                return
            kind, name = self._kind(event)
            span = StepTime(kind, self._round, now, now, index=index, name=name)
            self._open[index] = span
            self.spans.append(span)
        span.end = now
        if isinstance(event, StepDeltaEvent) and span.name is None:
            name = getattr(event.delta, "name", None)
            span.name = str(name) if isinstance(name, str) and name else None
        if isinstance(event, StepStopEvent):
            span.tokens = _tokens(event.step_usage)
            del self._open[index]

    @staticmethod
    def _kind(event: StepStartEvent | StepDeltaEvent) -> tuple[str, str | None]:
        if isinstance(event, StepStartEvent):
            step = event.step
            kind = str(getattr(step, "type", None) or "unknown")
            name = getattr(step, "name", None)
            return kind, str(name) if isinstance(name, str) and name else None
        return str(synthesize(getattr(event.delta, "type", None))["type"]), None

    def round_done(self, interaction: Any) -> None:
        """The round's interaction arrived: steps still open end now; a round that did not
        stream is one ``request`` span with the round's tokens."""
        now = self.now()
        for span in self._open.values():
            span.end = now
        self._open = {}
        if self._waiting is not None:
            self._waiting.kind = "request"
            self._waiting.end = now
            self._waiting.tokens = _tokens(getattr(interaction, "usage", None))
            self._waiting = None

    def tool_started(self, name: str) -> StepTime:
        now = self.now()
        span = StepTime("tool", self._round, now, now, name=name)
        self.spans.append(span)
        return span

    def tool_ended(self, span: StepTime) -> None:
        span.end = self.now()

    def close(self) -> None:
        """The turn ended (or stopped): whatever is open ends now."""
        now = self.now()
        for span in self._open.values():
            span.end = now
        self._open = {}
        if self._waiting is not None:
            self._waiting.end = now
            self._waiting = None
