"""In-process httpx transports: the client talks to the engine with no socket at all."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx

from ._engine import Engine
from ._exchange import DroppedConnection, EngineRequest, EngineResponse

_CUT = "peer closed connection without sending complete message body (injected drop)"


def _request(request: httpx.Request, body: bytes) -> EngineRequest:
    return EngineRequest(
        method=request.method,
        path=request.url.path,
        query=list(request.url.params.multi_items()),
        headers={k.lower(): v for k, v in request.headers.items()},
        body=body,
        in_process=True,
    )


class _SyncBody(httpx.SyncByteStream):
    def __init__(self, chunks: Iterator[bytes], request: httpx.Request) -> None:
        self._chunks = chunks
        self._request = request

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield from self._chunks
        except DroppedConnection:
            raise httpx.RemoteProtocolError(_CUT, request=self._request) from None

    def close(self) -> None:
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()


class _AsyncBody(httpx.AsyncByteStream):
    def __init__(self, chunks: AsyncIterator[bytes], request: httpx.Request) -> None:
        self._chunks = chunks
        self._request = request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._chunks:
                yield chunk
        except DroppedConnection:
            raise httpx.RemoteProtocolError(_CUT, request=self._request) from None

    async def aclose(self) -> None:
        close = getattr(self._chunks, "aclose", None)
        if close is not None:
            await close()


def _headers(response: EngineResponse) -> list[tuple[str, str]]:
    return list(response.headers)


class LocalTransport(httpx.BaseTransport):
    """``httpx.Client(transport=LocalTransport(...))`` answers from the local engine."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self._engine.handle(_request(request, request.read()))
        if response.not_before is not None:
            clock = self._engine.clock
            while (left := response.not_before - clock.now()) > 0:
                clock.sleep(left)
        if response.stream is not None:
            body = _SyncBody(response.stream.sync_chunks(), request)
            return httpx.Response(response.status, headers=_headers(response), stream=body)
        return httpx.Response(response.status, headers=_headers(response), content=response.body)


class AsyncLocalTransport(httpx.AsyncBaseTransport):
    """``httpx.AsyncClient(transport=AsyncLocalTransport(...))``, the async twin."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._engine.handle_async(_request(request, await request.aread()))
        if response.not_before is not None:
            clock = self._engine.clock
            while (left := response.not_before - clock.now()) > 0:
                await clock.asleep(left)
        if response.stream is not None:
            body = _AsyncBody(response.stream.async_chunks(), request)
            return httpx.Response(response.status, headers=_headers(response), stream=body)
        return httpx.Response(response.status, headers=_headers(response), content=response.body)
