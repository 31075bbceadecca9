"""What keeps many requests over HTTP fast: no Nagle stall, kept-alive connections, one write per
burst of events, and a latency that counts from the request's arrival."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator

import httpcore
import pytest

from gemini_interactions.api import AsyncClient, Client
from gemini_interactions.server import FakeClock, FaultPlan, LocalServer, serve_in_thread
from gemini_interactions.server._exchange import EngineRequest
from gemini_interactions.server._serve import _bind

from .helpers import KEY

M = {"model": "gemini-3-flash-preview"}


def test_accepted_connections_have_nagle_off() -> None:
    # With Nagle on, each response of a kept-alive connection waited for the client's delayed
    # ACK (~40 ms): 1,000 requests over 16 connections took 40% longer than their latency.
    listener = _bind("127.0.0.1", 0)
    listener.setblocking(True)
    try:
        with socket.create_connection(listener.getsockname()[:2]):
            accepted, _ = listener.accept()
            with accepted:
                nodelay = accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
                assert nodelay or accepted.proto == socket.IPPROTO_TCP
    finally:
        listener.close()


@pytest.fixture
def connects(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """How many TCP connections the sync and async clients opened."""
    opened = [0, 0]
    sync_connect = httpcore._backends.sync.SyncBackend.connect_tcp
    async_connect = httpcore._backends.anyio.AnyIOBackend.connect_tcp

    def counted(self: object, *args: object, **kwargs: object) -> object:
        opened[0] += 1
        return sync_connect(self, *args, **kwargs)  # type: ignore[arg-type]

    async def acounted(self: object, *args: object, **kwargs: object) -> object:
        opened[1] += 1
        return await async_connect(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(httpcore._backends.sync.SyncBackend, "connect_tcp", counted)
    monkeypatch.setattr(httpcore._backends.anyio.AnyIOBackend, "connect_tcp", acounted)
    yield opened


def test_streams_read_to_their_end_reuse_one_connection(connects: list[int]) -> None:
    with serve_in_thread(LocalServer()) as url:
        with Client(api_key=KEY, base_url=url) as client:
            for k in range(5):
                with client.interactions.create(stream=True, input=f"Echo hi {k}.", **M) as stream:
                    assert f"hi {k}" in (stream.until_done().output_text)

        async def five() -> None:
            async with AsyncClient(api_key=KEY, base_url=url) as client:
                for k in range(5):
                    stream = await client.interactions.create(
                        stream=True, input=f"Echo a {k}.", **M
                    )
                    assert f"a {k}" in (await stream.until_done()).output_text
                    await stream.close()

        asyncio.run(five())
    assert connects == [1, 1]


def _raw_chunks(url: str, body: bytes) -> list[bytes]:
    """The HTTP chunks of one streamed response, read off the socket as sent."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as sock:
        sock.sendall(
            b"POST /v1beta/interactions?alt=sse HTTP/1.1\r\nhost: x\r\nconnection: close\r\n"
            b"content-type: application/json\r\nx-goog-api-key: " + KEY.encode() + b"\r\n"
            b"content-length: " + str(len(body)).encode() + b"\r\n\r\n" + body
        )
        raw = b""
        while data := sock.recv(65536):
            raw += data
    rest = raw.split(b"\r\n\r\n", 1)[1]
    chunks = []
    while rest:
        size, rest = rest.split(b"\r\n", 1)
        n = int(size, 16)
        if n == 0:
            break
        chunks.append(rest[:n])
        rest = rest[n + 2 :]
    return chunks


def test_events_due_together_go_out_in_one_write_and_a_trickle_still_trickles() -> None:
    body = b'{"model": "gemini-3-flash-preview", "input": "hello there", "stream": true}'
    with serve_in_thread(LocalServer()) as url:
        chunks = _raw_chunks(url, body)
    assert len(chunks) == 1 and chunks[0].count(b"event: ") > 5
    trickled = LocalServer(faults=FaultPlan(trickle=0.001, trickle_bytes=64))
    with serve_in_thread(trickled) as url:
        pieces = _raw_chunks(url, body)
    assert len(pieces) > 5 and b"".join(pieces).count(b"event: ") > 5


def test_latency_counts_from_the_requests_arrival() -> None:
    clock = FakeClock()
    server = LocalServer(clock=clock, faults=FaultPlan(latency=0.5))
    arrived = clock.now()
    clock.advance(0.2)  # queued behind other work before the engine saw it
    request = EngineRequest(
        method="POST",
        path="/v1beta/interactions",
        headers={"content-type": "application/json"},
        body=b'{"model": "gemini-3-flash-preview", "input": "hi"}',
        in_process=True,
        received=arrived,
    )
    response = server.handle(request)
    assert response.status == 200 and response.not_before == pytest.approx(arrived + 0.5)
