"""Bytes of a text/event-stream to JSON event payloads, read through httpx-sse's public API.

httpx-sse (``EventSource.iter_sse`` / ``aiter_sse``) does the framing: lines end at CRLF, LF or CR,
also when a chunk boundary falls between the CR and the LF, and fields are read by the WHATWG
rules. Where it falls short of what a stream needs, the case is handled here, narrowly:

- **A UTF-8 BOM** at the start: httpx decodes with the response's charset (UTF-8) and keeps the
  U+FEFF, so the first field name would be unrecognised and, in data-only framing, the first event
  lost. The body is decoded as ``utf-8-sig`` instead (SSE is UTF-8 by definition).
- **The last event without its blank line**: httpx-sse dispatches an event only at a blank line,
  so an event the server closed by ending the body would be lost. A blank line is appended after
  the body; the event it closes is kept only when its data is whole JSON (or ``[DONE]``): a
  fragment cut by a dropped connection is discarded (a resumed stream sends it again).
- **Ids**: an SSE id persists across events by design (``ServerSentEvent.id`` is the last id
  seen); only a new one names the event it arrives with.
"""

from __future__ import annotations

from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Generator,
    Iterable,
    Iterator,
)
from typing import Any

import httpx
from httpx_sse import EventSource, ServerSentEvent
from pydantic_core import from_json

DONE = object()
"""Returned for a ``data: [DONE]`` sentinel: the stream ends there."""

_EVENT_STREAM = {"content-type": "text/event-stream"}
_CLOSING = b"\n\n"


class _Body(httpx.SyncByteStream):
    """The body's bytes, then the closing blank line; ``ended`` once that line is being read."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self.chunks = chunks
        self.ended = False

    def __iter__(self) -> Iterator[bytes]:
        last = b""
        for chunk in self.chunks:
            if chunk:
                last = chunk
                yield chunk
        if last.endswith(b"\r"):
            # httpx-sse holds a final CR back to see whether an LF follows; give it that LF now,
            # so an event the body did close is not mistaken for one closed by the added line.
            yield b"\n"
        self.ended = True
        yield _CLOSING


class _AsyncBody(httpx.AsyncByteStream):
    def __init__(self, chunks: AsyncIterable[bytes]) -> None:
        self.chunks = chunks
        self.ended = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        last = b""
        async for chunk in self.chunks:
            if chunk:
                last = chunk
                yield chunk
        if last.endswith(b"\r"):
            yield b"\n"
        self.ended = True
        yield _CLOSING


def _source(stream: httpx.SyncByteStream | httpx.AsyncByteStream) -> EventSource:
    response = httpx.Response(200, headers=_EVENT_STREAM, stream=stream)
    response.encoding = "utf-8-sig"  # strips a BOM, also one split across chunks
    return EventSource(response)


class _Ids:
    __slots__ = ("last",)

    def __init__(self) -> None:
        self.last = ""

    def new(self, sse_id: str) -> str:
        fresh = sse_id if sse_id != self.last else ""
        self.last = sse_id
        return fresh


def _keep(payload: Any, closed_by_us: bool) -> bool:
    if payload is None:
        return False
    return not closed_by_us or payload is DONE or "raw" not in payload


def sse_payloads(chunks: Iterable[bytes]) -> Generator[Any, None, None]:
    """The payloads of a body given as byte chunks, one by one as each event completes."""
    body = _Body(chunks)
    last_id = ""
    sse: ServerSentEvent
    # The hottest loop of a stream: the id and the keep rules are written out, not called.
    for sse in _source(body).iter_sse():
        sse_id = sse.id
        data = sse.data
        if sse_id == last_id and data[:1] == "{":
            # the common event, to_payload's work written out: a JSON object, no new id
            try:
                payload = from_json(data)
            except ValueError:
                payload = None
            if type(payload) is dict and "event_type" in payload:
                yield payload
                continue
        payload = to_payload(data, sse.event, sse_id if sse_id != last_id else "")
        last_id = sse_id
        if payload is not None and (not body.ended or payload is DONE or "raw" not in payload):
            yield payload


async def asse_payloads(chunks: AsyncIterable[bytes]) -> AsyncGenerator[Any, None]:
    """The async twin of ``sse_payloads``."""
    body = _AsyncBody(chunks)
    ids = _Ids()
    events = _source(body).aiter_sse()
    try:
        async for sse in events:
            payload = to_payload(sse.data, sse.event, ids.new(sse.id))
            if _keep(payload, body.ended):
                yield payload
    finally:
        await events.aclose()


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
