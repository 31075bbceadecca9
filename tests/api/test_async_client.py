"""The async client behaves like the sync one: streams, resume, retries, wait."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx

from gemini_interactions.api import AsyncClient, NotFoundError, RetryPolicy

from .helpers import KEY, frame, text_stream_events, transcript


class _AsyncChunks(httpx.AsyncByteStream):
    def __init__(self, chunks: list[bytes], drop: bool) -> None:
        self.chunks, self.drop = chunks, drop

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            yield chunk
        if self.drop:
            raise httpx.ReadError("reset")


def sse(chunks: list[bytes], drop: bool = False) -> httpx.Response:
    return httpx.Response(
        200, headers={"content-type": "text/event-stream"}, stream=_AsyncChunks(chunks, drop)
    )


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_async_stream_of_a_transcript() -> None:
    async def go() -> Any:
        async def handler(request: httpx.Request) -> httpx.Response:
            return sse([transcript("thought_then_text.sse")])

        async with AsyncClient(KEY, transport=httpx.MockTransport(handler)) as client:
            stream = await client.interactions.create(model="m", input="x", stream=True)
            async with stream:
                kinds = [e.event_type async for e in stream]
            return kinds, stream.interaction

    kinds, it = run(go())
    assert kinds[0] == "interaction.created" and kinds[-1] == "interaction.completed"
    assert it.output_text == "17 × 3 = 51."


def test_async_resume_after_drop_and_retry() -> None:
    events = text_stream_events(["one ", "two ", "three"])
    blocks = [frame(e) for e in events]
    calls: list[str] = []
    sleeps: list[float] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        if len(calls) == 1:
            return httpx.Response(
                503, json={"error": {"code": 503, "message": "busy"}}, headers={"retry-after": "2"}
            )
        if len(calls) == 2:
            return sse(blocks[:4], drop=True)
        last = request.url.params["last_event_id"]
        return sse([b for e, b in zip(events, blocks, strict=True) if e["event_id"] > last])

    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    async def go() -> Any:
        client = AsyncClient(KEY, transport=httpx.MockTransport(handler), sleep=fake_sleep)
        stream = await client.interactions.create(model="m", input="x", stream=True)
        final = await stream.until_done()
        return final, stream

    final, stream = run(go())
    assert final.output_text == "one two three"
    assert calls == ["POST", "POST", "GET"]
    assert sleeps == [2.0]
    assert stream.resumes == 1 and stream.retries == 1


def test_async_get_cancel_delete_wait() -> None:
    statuses = iter(["in_progress", "in_progress", "completed"])

    async def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "DELETE":
            return httpx.Response(200, json={})
        if request.url.path.endswith("/cancel"):
            return httpx.Response(200, json={"id": "bg", "status": "cancelled"})
        return httpx.Response(200, json={"id": "bg", "status": next(statuses)})

    sleeps: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    async def go() -> Any:
        client = AsyncClient(
            KEY,
            transport=httpx.MockTransport(handler),
            sleep=fake_sleep,
            retry_policy=RetryPolicy(max_retries=0),
        )
        done = await client.interactions.wait("bg")
        cancelled = await client.interactions.cancel("bg")
        await client.interactions.delete("bg")
        return done, cancelled

    done, cancelled = run(go())
    assert done.status == "completed" and cancelled.status == "cancelled"
    assert sleeps == [1.0, 1.5]


def test_async_resume_that_is_refused_keeps_the_partial_answer() -> None:
    events = [frame(e) for e in text_stream_events(["Hello", ", ", "world"])]
    answers = [
        sse(events[:5], drop=True),
        httpx.Response(404, json={"error": {"code": 404, "message": "gone"}}),
    ]

    async def go() -> Any:
        async def handler(request: httpx.Request) -> httpx.Response:
            return answers.pop(0)

        client = AsyncClient(KEY, transport=httpx.MockTransport(handler), max_retries=0)
        stream = await client.interactions.create(model="m", input="x", stream=True)
        try:
            await stream.until_done()
        except NotFoundError as exc:
            return exc.interaction
        raise AssertionError("the refused resume must raise")

    interaction = run(go())
    assert interaction is not None and interaction.output_text == "Hello, world"
