"""Bytes of a text/event-stream to JSON event payloads.

Arbitrary byte chunks can be pushed in (the property tests split streams anywhere); lines end at
CRLF, LF or CR, also when a chunk boundary falls between the CR and the LF, and a UTF-8 BOM at the
start is stripped (with a BOM the first field name would be unrecognised and, in data-only
framing, the first event lost). The fields of each line are read by the WHATWG event-stream rules
without building an object per line: at tens of thousands of events a second that object was the
largest cost of a stream. The line splitter is our own, so nothing here leans on a dependency's
private module.
"""

from __future__ import annotations

import codecs
from typing import Any

from pydantic_core import from_json

DONE = object()
"""Returned for a ``data: [DONE]`` sentinel: the stream ends there."""


class _LineSplitter:
    """Text to complete lines, across chunk boundaries."""

    __slots__ = ("_after_cr", "_partial")

    def __init__(self) -> None:
        self._partial: list[str] = []
        self._after_cr = False

    def split(self, text: str) -> list[str]:
        if self._after_cr:
            # The last chunk ended with a CR, which already ended its line: an LF opening this
            # chunk is the second half of a CRLF, not an empty line.
            self._after_cr = False
            if text[:1] == "\n":
                text = text[1:]
        if "\r" in text:
            self._after_cr = text[-1] == "\r"
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        if "\n" not in text:
            if text:
                self._partial.append(text)
            return []
        lines = text.split("\n")
        if self._partial:
            self._partial.append(lines[0])
            lines[0] = "".join(self._partial)
            self._partial = []
        tail = lines.pop()
        if tail:
            self._partial.append(tail)
        return lines

    def flush(self) -> list[str]:
        """The last line, when the text ended without a line break."""
        self._after_cr = False
        if not self._partial:
            return []
        line = "".join(self._partial)
        self._partial = []
        return [line]


class SSEParser:
    """Incremental parser: ``feed(chunk)`` returns the complete events it closed, as payloads."""

    __slots__ = ("_data", "_event", "_id", "_last_id", "_lines", "_text")

    def __init__(self) -> None:
        self._text = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
        self._lines = _LineSplitter()
        self._data: list[str] = []
        self._event = ""
        self._id = ""
        self._last_id = ""

    def feed(self, chunk: bytes) -> list[Any]:
        text = self._text.decode(chunk)
        if not text:
            return []
        return self._decode_lines(self._lines.split(text))

    def close(self) -> list[Any]:
        """At the end of the body: an event not closed by a blank line is delivered only when its
        data is a whole JSON object; a fragment cut by a dropped connection is discarded (a
        resumed stream sends it again)."""
        lines = self._lines.split(self._text.decode(b"", final=True))
        lines += self._lines.flush()
        lines.append("")
        return [p for p in self._decode_lines(lines) if p is DONE or "raw" not in p]

    def _decode_lines(self, lines: list[str]) -> list[Any]:
        out: list[Any] = []
        data = self._data
        for line in lines:
            if line:
                if line[0] == ":":  # a comment
                    continue
                name, _, value = line.partition(":")
                if value[:1] == " ":
                    value = value[1:]
                if name == "data":
                    data.append(value)
                elif name == "event":
                    self._event = value
                elif name == "id" and "\0" not in value:
                    self._id = value
                continue  # "retry" and unknown fields are ignored
            if data:  # a blank line ends a block; a block without data is no event
                # SSE ids persist across events by design; only a new one names this event.
                sse_id = self._id if self._id != self._last_id else ""
                self._last_id = self._id
                payload = to_payload("\n".join(data), self._event, sse_id)
                if payload is not None:
                    out.append(payload)
                data.clear()
            self._event = ""
        return out


def to_payload(data: str, sse_event: str = "", sse_id: str = "") -> Any:
    """One SSE block to a payload dict: ``event_type`` from the JSON, else the ``event:`` line,
    else a JSON ``type``; non-JSON data is kept as ``{"event_type": ..., "raw": data}``."""
    if not data:
        return None
    if data == "[DONE]":
        return DONE
    try:
        # pydantic's own JSON parser: about 3x faster than json.loads on small events, and this
        # is the hottest line of a stream.
        payload = from_json(data)
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        return {
            "event_type": sse_event if sse_event not in ("", "message") else "unknown",
            "raw": data,
        }
    if "event_type" not in payload:
        if sse_event and sse_event != "message":
            payload["event_type"] = sse_event
        elif isinstance(payload.get("type"), str) and "." in payload["type"]:
            payload["event_type"] = payload["type"]
    if sse_id and "event_id" not in payload:
        payload["event_id"] = sse_id
    return payload
