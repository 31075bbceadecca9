"""No wait is endless or silent: a stalled stream resumes or fails within the stall timeout; a
huge Retry-After is capped, a request's retries are bounded, and every wait is announced.

The servers are real HTTP servers on 127.0.0.1 (``scripted_http``): one stops sending mid-stream
and holds the socket open, as a SIGSTOPped server does.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from gemini_interactions.api import Client, RetryPolicy, StreamDroppedError
from gemini_interactions.api._errors import RateLimitError
from gemini_interactions.api._retry import RetryNotice, retry_notices
from scripted_http import Exchange, scripted_server, sse

ID = "v1_stalled"
STALL = 0.5

HEAD = [
    {"event_type": "interaction.created", "interaction": {"id": ID, "status": "in_progress"}},
    {"event_type": "step.start", "index": 0, "step": {"type": "model_output"}},
    {"event_type": "step.delta", "index": 0, "delta": {"type": "text", "text": "Hello"}},
]
TAIL = [
    {"event_type": "step.delta", "index": 0, "delta": {"type": "text", "text": ", world"}},
    {"event_type": "step.stop", "index": 0},
    {"event_type": "interaction.completed", "interaction": {"id": ID, "status": "completed"}},
]


def _events(events: list[dict[str, Any]], start: int) -> bytes:
    return b"".join(
        sse({**e, "event_id": f"ev_{i}"}, f"ev_{i}") for i, e in enumerate(events, start)
    )


def _stall(exchange: Exchange) -> None:
    """Send the stream's head, then nothing: the socket stays open until the test ends."""
    exchange.send(200, {"content-type": "text/event-stream"}, _events(HEAD, 1), length=False)
    exchange.handler.server.release.wait(10)  # type: ignore[attr-defined]


def test_a_stalled_stream_resumes_from_the_last_event_within_the_stall_timeout() -> None:
    def script(exchange: Exchange) -> None:
        if exchange.method == "POST":
            _stall(exchange)
        else:  # the resume: GET ?stream=true&last_event_id=ev_3
            assert "last_event_id=ev_3" in exchange.path
            body = _events(TAIL, 4)
            exchange.send(200, {"content-type": "text/event-stream"}, body, length=False)

    with scripted_server(script) as server:
        client = Client("k" * 12, base_url=server.url, stall_timeout=STALL)
        started = time.monotonic()
        stream = client.interactions.create(model="m", input="hi", stream=True)
        interaction = stream.until_done()
        took = time.monotonic() - started
    assert interaction.status == "completed"
    assert interaction.output_text == "Hello, world"
    assert stream.resumes == 1
    assert took < STALL + 2.0, took


def test_a_server_that_stays_stalled_fails_the_stream_clearly_and_soon() -> None:
    with scripted_server(_stall) as server:
        client = Client("k" * 12, base_url=server.url, stall_timeout=STALL)
        started = time.monotonic()
        stream = client.interactions.create(model="m", input="hi", stream=True)
        with pytest.raises(StreamDroppedError) as info:
            stream.until_done()
        took = time.monotonic() - started
    # the first stall resumes; the resume stalls with nothing new, so the stream is given up
    assert took < 2 * STALL + 2.0, took
    assert f"sent nothing for {STALL:g} s" in str(info.value)
    assert "stall_timeout" in str(info.value)
    assert info.value.interaction is not None
    assert info.value.interaction.output_text == "Hello"  # what arrived is kept


def test_the_stall_timeout_defaults_to_a_minute_and_can_be_turned_off() -> None:
    assert Client("k" * 12, base_url="http://127.0.0.1:9").stall_timeout == 60.0
    client = Client("k" * 12, base_url="http://127.0.0.1:9", stall_timeout=None)
    assert client.stall_timeout is None


def _rate_limited_then_ok(retry_after: str) -> Any:
    def script(exchange: Exchange) -> None:
        if exchange.number == 1:
            error = {"error": {"code": 429, "message": "slow down", "status": "RESOURCE_EXHAUSTED"}}
            body = json.dumps(error).encode()
            headers = {"content-type": "application/json", "retry-after": retry_after}
            exchange.send(429, headers, body)
        else:
            done = {"id": "v1_ok", "status": "completed", "steps": []}
            exchange.send(200, {"content-type": "application/json"}, json.dumps(done).encode())

    return script


def test_a_huge_retry_after_is_capped_and_announced() -> None:
    sleeps: list[float] = []
    heard: list[RetryNotice] = []
    policy = RetryPolicy(sleep=sleeps.append)
    with scripted_server(_rate_limited_then_ok("100000")) as server:
        client = Client("k" * 12, base_url=server.url, retry_policy=policy)
        client.on_retry = heard.append
        announced: list[RetryNotice] = []
        with retry_notices(announced.append):
            interaction = client.interactions.create(model="m", input="hi")
    assert interaction.status == "completed"
    assert sleeps == [60.0]  # not 100000 s, nor 4 x 120 s
    assert heard == announced and len(heard) == 1
    text = str(heard[0])
    assert text.startswith("rate limited (429), retrying in 60 s, try 2 of 5"), text
    assert "asked for 100000 s" in text


def test_the_cap_is_configurable() -> None:
    sleeps: list[float] = []
    policy = RetryPolicy(sleep=sleeps.append, max_server_wait=5.0)
    with scripted_server(_rate_limited_then_ok("100000")) as server:
        Client("k" * 12, base_url=server.url, retry_policy=policy).interactions.create(
            model="m", input="hi"
        )
    assert sleeps == [5.0]


def test_a_requests_total_retry_time_is_bounded() -> None:
    """Four Retry-After: 60 answers would wait 240 s; the budget (120 s) stops after two."""
    sleeps: list[float] = []

    def always_limited(exchange: Exchange) -> None:
        error = {"error": {"code": 429, "message": "slow down", "status": "RESOURCE_EXHAUSTED"}}
        headers = {"content-type": "application/json", "retry-after": "60"}
        exchange.send(429, headers, json.dumps(error).encode())

    with scripted_server(always_limited) as server:
        client = Client(
            "k" * 12, base_url=server.url, retry_policy=RetryPolicy(sleep=sleeps.append)
        )
        with pytest.raises(RateLimitError):
            client.interactions.create(model="m", input="hi")
        assert len(server.seen) == 3
    assert sleeps == [60.0, 60.0]
    assert sum(sleeps) <= RetryPolicy().max_total_wait


def test_the_async_client_gives_up_a_stalled_stream_too() -> None:
    import asyncio

    from gemini_interactions.api import AsyncClient

    async def run(url: str) -> float:
        async with AsyncClient("k" * 12, base_url=url, stall_timeout=STALL) as client:
            started = time.monotonic()
            stream = await client.interactions.create(model="m", input="hi", stream=True)
            with pytest.raises(StreamDroppedError, match="stall_timeout"):
                await stream.until_done()
            return time.monotonic() - started

    with scripted_server(_stall) as server:
        took = asyncio.run(run(server.url))
    assert took < 2 * STALL + 2.0, took


def test_a_poll_to_a_server_that_never_answers_times_out_and_is_announced() -> None:
    from gemini_interactions.api import APITimeoutError

    def silent(exchange: Exchange) -> None:
        exchange.handler.server.release.wait(10)  # type: ignore[attr-defined]

    heard: list[RetryNotice] = []
    with scripted_server(silent) as server:
        policy = RetryPolicy(max_retries=1, sleep=lambda s: None)
        client = Client("k" * 12, base_url=server.url, stall_timeout=STALL, retry_policy=policy)
        client.on_retry = heard.append
        started = time.monotonic()
        with pytest.raises(APITimeoutError):
            client.interactions.get("v1_any")
        took = time.monotonic() - started
    assert took < 2 * STALL + 2.0, took
    assert [str(n).split(",")[0] for n in heard] == ["no response (ReadTimeout)"]
