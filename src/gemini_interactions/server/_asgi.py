"""The HTTP face: a Starlette app around the engine (served by uvicorn, see ``_serve``)."""

from __future__ import annotations

import logging
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from ._engine import Engine
from ._exchange import BodyStream, DroppedConnection, EngineRequest

METHODS = ["GET", "POST", "DELETE", "PUT", "PATCH"]
DROP_MESSAGE = "ASGI callable returned without completing response."
# How much of an over-limit body is read (and thrown away) so the client gets its 413.
DRAIN = 64 * 1024 * 1024
WORKERS = 4


class _StreamResponse(Response):
    """Streams the engine's chunks; an injected drop returns without finishing the body, which
    makes the server close the connection mid-stream, exactly what a client must survive."""

    def __init__(self, status: int, headers: list[tuple[str, str]], stream: BodyStream) -> None:
        self.status_code = status
        self.background = None
        self.raw_headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers]
        self._stream = stream

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        finished = False
        async with anyio.create_task_group() as group:

            async def watch_disconnect() -> None:
                while (await receive())["type"] != "http.disconnect":
                    pass
                group.cancel_scope.cancel()

            group.start_soon(watch_disconnect)
            try:
                async for chunk in self._stream.async_chunks(batch=True):
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
                finished = True
            except (DroppedConnection, OSError):
                pass
            group.cancel_scope.cancel()
        if finished:
            await send({"type": "http.response.body", "body": b"", "more_body": False})


class _QuietDrops(logging.Filter):
    """Injected drops are on purpose; keep them out of the server's error log."""

    def filter(self, record: logging.LogRecord) -> bool:
        return DROP_MESSAGE not in record.getMessage()


def quiet_injected_drops() -> None:
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _QuietDrops) for f in logger.filters):
        logger.addFilter(_QuietDrops())


async def _read_body(request: Request, limit: int, keep: bool) -> tuple[bytes, int]:
    """The body (if ``keep`` and within ``limit``) and its size, read without ever holding more
    than ``limit`` bytes. Past the limit the rest is drained unkept, up to ``DRAIN`` bytes, so
    the client reads a clean 413 instead of a broken pipe; beyond that the connection closes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        if int(declared) > limit + DRAIN:
            return b"", int(declared)  # not worth reading: answer now, the connection closes
        keep = False
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if keep and size <= limit:
            chunks.append(chunk)
        elif chunks:
            chunks.clear()
        if size > limit + DRAIN:
            break
    if declared.isdigit() and not keep:
        size = max(size, int(declared))
    return b"".join(chunks), size


def create_app(engine: Engine) -> Starlette:
    # A few worker threads are enough (the engine never waits, it computes) and keep the
    # allocator from spreading big bodies over many per-thread arenas (RSS that never returns).
    workers = anyio.CapacityLimiter(WORKERS)

    async def endpoint(request: Request) -> Response:
        received = engine.clock.now()
        path = request.url.path
        keep = engine.takes_body(path)
        body, size = await _read_body(request, engine.limits.max_body_bytes, keep)
        incoming = EngineRequest(
            method=request.method,
            path=path,
            query=list(request.query_params.multi_items()),
            headers={k.lower(): v for k, v in request.headers.items()},
            body=body,
            body_bytes=None if len(body) == size else size,
            received=received,
        )
        # The engine's work (parsing, the offline model, building the event log) runs in a
        # worker thread: one big request must not stall /health or the other clients.
        if engine.recorder is not None:
            response = await engine.handle_async(incoming)  # proxying waits, it does not compute
        else:
            response = await anyio.to_thread.run_sync(engine.handle, incoming, limiter=workers)
        if response.not_before is not None:
            while (left := response.not_before - engine.clock.now()) > 0:
                await engine.clock.asleep(left)
        if response.stream is not None:
            return _StreamResponse(response.status, response.headers, response.stream)
        headers: dict[str, Any] = dict(response.headers)
        return Response(response.body, status_code=response.status, headers=headers)

    return Starlette(routes=[Route("/{path:path}", endpoint, methods=METHODS)])
