"""A real HTTP server on 127.0.0.1 whose answers a test scripts: echo, stall, rate-limit.

Each request is handed to ``script(exchange)``; the exchange reads the request and writes raw
bytes, so a test can send headers, some events, then stop sending (a stalled server) while
keeping the socket open, exactly as a SIGSTOPped process looks to a client.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Exchange:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    number: int
    handler: BaseHTTPRequestHandler = field(repr=False)

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def send(
        self, status: int, headers: dict[str, str], body: bytes = b"", *, length: bool = True
    ) -> None:
        h = self.handler
        h.send_response(status)
        for name, value in headers.items():
            h.send_header(name, value)
        if length:
            h.send_header("content-length", str(len(body)))
        else:
            h.send_header("connection", "close")
        h.end_headers()
        self.write(body)

    def write(self, data: bytes) -> None:
        if data:
            self.handler.wfile.write(data)
            self.handler.wfile.flush()


Script = Callable[[Exchange], None]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def _handle(self) -> None:
        size = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(size) if size else b""
        with self.server.lock:
            self.server.count += 1
            number = self.server.count
        exchange = Exchange(
            self.command,
            self.path,
            {k.lower(): v for k, v in self.headers.items()},
            body,
            number,
            self,
        )
        self.server.seen.append(exchange)
        with suppress(BrokenPipeError, ConnectionResetError):
            self.server.script(exchange)

    do_GET = do_POST = do_DELETE = _handle

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, script: Script) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.script = script
        self.lock = threading.Lock()
        self.count = 0
        self.seen: list[Exchange] = []
        self.release = threading.Event()
        """Set when the test ends: stalled handlers wait on it, then return."""


@contextmanager
def scripted_server(script: Script) -> Iterator[_Server]:
    """``with scripted_server(fn) as srv:`` — ``srv.url`` answers every request with ``fn``."""
    server = _Server(script)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_address[1]}"  # type: ignore[attr-defined]
    try:
        yield server
    finally:
        server.release.set()
        server.shutdown()
        server.server_close()


def sse(payload: dict[str, Any], event_id: str | None = None) -> bytes:
    lines = [f"event: {payload['event_type']}"]
    if event_id is not None:
        lines.append(f"id: {event_id}")
    lines.append(f"data: {json.dumps(payload)}")
    return ("\n".join(lines) + "\n\n").encode()
