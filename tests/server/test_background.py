"""Background runs progress with the clock, can be polled, streamed live and cancelled."""

from __future__ import annotations

import asyncio
import threading
import time

import httpx

from gemini_interactions.server import FakeClock, Fixture, LocalServer, OfflineModel

from .helpers import KEY, PREFIX, client_for, create, parse_sse, text_of

AGENT = {"agent": "deep-research-preview-04-2026", "background": True}


def test_background_run_progresses_with_the_clock(http: httpx.Client, clock: FakeClock) -> None:
    posted = create(http, {**AGENT, "input": "Research the history of Google TPUs."}).json()
    assert posted["status"] == "in_progress"
    assert posted["steps"] == []
    iid = posted["id"]
    seen = []
    for _ in range(8):
        snapshot = http.get(f"{PREFIX}/{iid}").json()
        seen.append((snapshot["status"], len(snapshot["steps"])))
        clock.advance(0.5)
    final = http.get(f"{PREFIX}/{iid}").json()
    assert final["status"] == "completed"
    counts = [n for _, n in seen]
    assert counts == sorted(counts) and len(set(counts)) >= 4  # visible progress
    assert seen[0] == ("in_progress", 1)  # only the user_input so far
    assert final["steps"][-1]["type"] == "model_output"
    assert "Offline report" in final["steps"][-1]["content"][0]["text"]


def test_cancel_cuts_a_running_interaction(http: httpx.Client, clock: FakeClock) -> None:
    iid = create(http, {**AGENT, "input": "Long research"}).json()["id"]
    clock.advance(1.0)
    cancelled = http.post(f"{PREFIX}/{iid}/cancel").json()
    assert cancelled["status"] == "cancelled"
    clock.advance(10)
    later = http.get(f"{PREFIX}/{iid}").json()
    assert later["status"] == "cancelled"
    assert later["steps"] == cancelled["steps"]
    assert all(s["type"] != "model_output" for s in later["steps"])
    events = parse_sse(http.get(f"{PREFIX}/{iid}", params={"stream": "true"}).content)
    assert events[-1]["event_type"] == "interaction.completed"
    assert events[-1]["interaction"]["status"] == "cancelled"
    starts = {e["index"] for e in events if e["event_type"] == "step.start"}
    stops = {e["index"] for e in events if e["event_type"] == "step.stop"}
    assert starts == stops
    # Cancelling again changes nothing.
    assert http.post(f"{PREFIX}/{iid}/cancel").json()["status"] == "cancelled"


def test_queued_first_when_configured() -> None:
    clock = FakeClock()
    with client_for(LocalServer(clock=clock, queue_seconds=1.0)) as http:
        posted = create(http, {"model": "m", "input": "x", "background": True}).json()
        assert posted["status"] == "queued"
        clock.advance(1.0)
        assert http.get(f"{PREFIX}/{posted['id']}").json()["status"] == "in_progress"


def test_stream_of_a_background_run_waits_for_events(http: httpx.Client, clock: FakeClock) -> None:
    start = clock.now()
    events = parse_sse(create(http, {**AGENT, "input": "Topic", "stream": True}).content)
    # The fake clock moved as the stream slept: the run took its simulated seconds.
    assert clock.now() - start >= 2.9
    assert events[0]["interaction"]["status"] == "in_progress"
    assert events[-1]["interaction"]["status"] == "completed"
    assert "Offline report" in text_of(events)


def test_live_stream_ends_when_cancelled_over_http() -> None:
    from gemini_interactions.server import serve_in_thread

    server = LocalServer(offline_model=OfflineModel(background_seconds=30))
    with (
        serve_in_thread(server) as url,
        httpx.Client(base_url=url, headers={"x-goog-api-key": KEY}) as http,
    ):
        iid = create(http, {**AGENT, "input": "slow"}).json()["id"]
        timer = threading.Timer(0.5, lambda: http.post(f"{PREFIX}/{iid}/cancel"))
        timer.start()
        started = time.monotonic()
        raw = http.get(f"{PREFIX}/{iid}", params={"stream": "true"}).content
        timer.join()
    assert time.monotonic() - started < 5
    assert parse_sse(raw)[-1]["interaction"]["status"] == "cancelled"


def test_async_transport_streams_and_polls() -> None:
    clock = FakeClock()
    server = LocalServer(clock=clock, fixtures=[Fixture(match={}, steps=[{"text": "async ok"}])])

    async def run() -> tuple[str, str]:
        async with httpx.AsyncClient(
            transport=server.async_transport(),
            base_url="http://local.test",
            headers={"x-goog-api-key": KEY},
        ) as http:
            async with http.stream(
                "POST", PREFIX, json={"model": "m", "input": "x", "stream": True}
            ) as response:
                raw = b"".join([chunk async for chunk in response.aiter_bytes()])
            iid = parse_sse(raw)[0]["interaction"]["id"]
            got = (await http.get(f"{PREFIX}/{iid}")).json()
            return text_of(parse_sse(raw)), got["status"]

    assert asyncio.run(run()) == ("async ok", "completed")
