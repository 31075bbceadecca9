"""Shared test helpers for the wire layer: transcripts and a scripted httpx transport."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx

TRANSCRIPTS = Path(__file__).parent.parent / "data" / "transcripts"
KEY = "AIzaSy-TEST-SECRET-KEY-0123456789"


def transcript(name: str) -> bytes:
    return (TRANSCRIPTS / name).read_bytes()


def split_events(raw: bytes) -> list[bytes]:
    """The raw bytes of each SSE block (blank-line terminated) of a transcript."""
    text = raw.decode()
    return [(block + "\n\n").encode() for block in text.split("\n\n") if block.strip()]


class _Chunks(httpx.SyncByteStream):
    def __init__(self, chunks: list[bytes], fail_after: bool) -> None:
        self.chunks, self.fail_after = chunks, fail_after

    def __iter__(self) -> Iterator[bytes]:
        yield from self.chunks
        if self.fail_after:
            raise httpx.ReadError("connection reset by peer")


def sse_response(chunks: list[bytes], *, drop: bool = False, status: int = 200) -> httpx.Response:
    return httpx.Response(
        status,
        headers={"content-type": "text/event-stream"},
        stream=_Chunks(chunks, drop),
    )


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> httpx.Response:
    return httpx.Response(status, json=data, headers=headers or {})


class Recorder:
    """A MockTransport handler that answers from a script and keeps every request."""

    def __init__(
        self, *answers: httpx.Response | Callable[[httpx.Request], httpx.Response]
    ) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        return answer(request) if callable(answer) else answer

    def body(self, i: int = -1) -> Any:
        return json.loads(self.requests[i].content)

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self)


def frame(payload: dict[str, Any], *, data_only: bool = False, newline: str = "\n") -> bytes:
    data = json.dumps(payload, ensure_ascii=False)
    lines = [] if data_only else [f"event: {payload['event_type']}"]
    lines.append(f"data: {data}")
    return (newline.join(lines) + newline + newline).encode()


def text_stream_events(
    pieces: list[str], interaction_id: str = "v1_synthetic"
) -> list[dict[str, Any]]:
    """A steps-revision stream answering with ``pieces`` as text deltas (and a function call)."""
    events: list[dict[str, Any]] = [
        {
            "event_type": "interaction.created",
            "interaction": {"id": interaction_id, "status": "in_progress"},
        },
        {"event_type": "step.start", "index": 0, "step": {"type": "model_output"}},
    ]
    events += [
        {"event_type": "step.delta", "index": 0, "delta": {"type": "text", "text": p}}
        for p in pieces
    ]
    events += [
        {"event_type": "step.stop", "index": 0},
        {
            "event_type": "step.start",
            "index": 1,
            "step": {"type": "function_call", "id": "fc_1", "name": "f", "arguments": {}},
        },
        {
            "event_type": "step.delta",
            "index": 1,
            "delta": {"type": "arguments_delta", "arguments": '{"q": '},
        },
        {
            "event_type": "step.delta",
            "index": 1,
            "delta": {"type": "arguments_delta", "arguments": json.dumps("".join(pieces)) + "}"},
        },
        {"event_type": "step.stop", "index": 1},
        {
            "event_type": "interaction.completed",
            "interaction": {
                "id": interaction_id,
                "status": "requires_action",
                "usage": {"total_tokens": len(pieces)},
            },
        },
    ]
    for i, event in enumerate(events, 1):
        event["event_id"] = f"ev_{i:05d}"
    return events
