"""The real recordings in tests/data/real (origins in its README), for any test to replay.

``sse_body(name)`` frames a ``*.chunks.txt`` recording (one event's JSON per line) as the service
sends it, one ``data:`` event per line; ``served(name)`` serves it from a real HTTP server on
127.0.0.1 to every request, and yields the base URL.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from scripted_http import Exchange, scripted_server

REAL = Path(__file__).parent / "data" / "real" / "vercel-ai"


def events(name: str) -> list[dict[str, Any]]:
    """The recorded events (or, for a ``*.json`` file, the one body) as JSON data."""
    text = (REAL / name).read_text("utf-8")
    if name.endswith(".json"):
        return [json.loads(text)]
    return [json.loads(line) for line in text.splitlines() if line]


def sse_body(name: str) -> bytes:
    lines = (REAL / name).read_text("utf-8").splitlines()
    return b"".join(b"data: " + line.encode() + b"\n\n" for line in lines if line)


@contextmanager
def served(name: str) -> Iterator[str]:
    """A 127.0.0.1 server answering every request with the recording, as an event stream."""
    body = sse_body(name)

    def answer(exchange: Exchange) -> None:
        exchange.send(200, {"content-type": "text/event-stream"}, body)

    with scripted_server(answer) as server:
        url: str = server.url  # type: ignore[attr-defined]
        yield url
