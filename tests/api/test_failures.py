"""Retries, error mapping, resumption, continuation, waiting, and secrets."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest

from gemini_interactions.api import (
    APIConnectionError,
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    Client,
    InternalServerError,
    NotFoundError,
    RateLimitError,
    RetryPolicy,
    StreamDroppedError,
    WaitTimeoutError,
)

from .helpers import KEY, Recorder, frame, json_response, sse_response, text_stream_events

DONE = {
    "id": "v1_x",
    "status": "completed",
    "steps": [{"type": "model_output", "content": [{"type": "text", "text": "ok"}]}],
}


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


def client_with(rec: Recorder, clock: FakeTime, **kw: Any) -> Client:
    policy = RetryPolicy(sleep=clock.sleep, rand=lambda: 0.0, **kw)
    return Client(KEY, transport=rec.transport, retry_policy=policy, clock=clock.clock)


def error_body(code: int, status: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "status": status}}


def test_retry_honours_retry_after_then_succeeds() -> None:
    t = FakeTime()
    rec = Recorder(
        json_response(
            error_body(429, "RESOURCE_EXHAUSTED", "slow down"), 429, {"Retry-After": "3"}
        ),
        json_response(error_body(503, "UNAVAILABLE", "busy"), 503, {"retry-after-ms": "1500"}),
        json_response(error_body(500, "INTERNAL", "oops"), 500),
        lambda r: json_response(DONE),
    )
    it = client_with(rec, t).interactions.create(model="m", input="x")
    assert it.output_text == "ok"
    assert t.sleeps == [3.0, 1.5, 2.0]  # server waits win; then 0.5 * 2**2 with no jitter
    assert len(rec.requests) == 4


def test_a_paced_block_takes_every_attempts_turn_from_its_pacer() -> None:
    # --map's pool spaces all its requests: the pacer is asked before the first attempt and
    # before each retry (with the wait the policy chose), and the policy sleeps nothing itself.
    from gemini_interactions.api._retry import paced

    t = FakeTime()
    rec = Recorder(
        json_response(error_body(429, "RESOURCE_EXHAUSTED", "slow"), 429, {"Retry-After": "2"}),
        json_response(error_body(503, "UNAVAILABLE", "busy"), 503),
        lambda r: json_response(DONE),
    )
    turns: list[tuple[float, int]] = []
    with paced(lambda wait: turns.append((wait, len(rec.requests)))):
        it = client_with(rec, t).interactions.create(model="m", input="x")
    assert it.output_text == "ok"
    assert turns == [(0.0, 0), (2.0, 1), (1.0, 2)] and t.sleeps == []
    client_with(rec := Recorder(lambda r: json_response(DONE)), t).interactions.create(
        model="m", input="x"
    )
    assert len(turns) == 3  # outside the block, no pacer


def test_backoff_is_exponential_capped_and_jittered() -> None:
    policy = RetryPolicy(rand=lambda: 1.0)
    waits = [policy.delay(n) for n in range(1, 7)]
    assert waits == [0.375, 0.75, 1.5, 3.0, 6.0, 6.0]
    assert RetryPolicy(rand=lambda: 0.0).delay(6) == 8.0


def test_retry_budget_is_configurable_and_then_raises() -> None:
    t = FakeTime()
    rec = Recorder(lambda r: json_response(error_body(503, "UNAVAILABLE", "down"), 503))
    with pytest.raises(InternalServerError, match="HTTP 503 UNAVAILABLE: down"):
        client_with(rec, t, max_retries=2).interactions.create(model="m", input="x")
    assert len(rec.requests) == 3


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (404, NotFoundError),
        (429, RateLimitError),
        (500, InternalServerError),
        (418, APIStatusError),
    ],
)
def test_error_mapping_keeps_status_and_message(status: int, cls: type[Exception]) -> None:
    t = FakeTime()
    rec = Recorder(lambda r: json_response(error_body(status, "SOME_STATUS", "the reason"), status))
    with pytest.raises(cls) as info:
        client_with(rec, t, max_retries=0).interactions.get("v1_x")
    err = info.value
    assert isinstance(err, APIStatusError)
    assert err.status_code == status
    assert err.status == "SOME_STATUS"
    assert "the reason" in str(err)


def test_non_retryable_is_not_retried() -> None:
    t = FakeTime()
    rec = Recorder(lambda r: json_response(error_body(400, "INVALID_ARGUMENT", "bad"), 400))
    with pytest.raises(BadRequestError):
        client_with(rec, t).interactions.create(model="m", input="x")
    assert len(rec.requests) == 1 and t.sleeps == []


def test_connection_errors_are_retried_then_raised() -> None:
    t = FakeTime()

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    rec = Recorder(refuse)
    with pytest.raises(APIConnectionError, match="ConnectError"):
        client_with(rec, t, max_retries=3).interactions.create(model="m", input="x")
    assert len(rec.requests) == 4
    assert len(t.sleeps) == 3


def test_string_error_codes_from_the_sdk_shape() -> None:
    t = FakeTime()
    body = {"error": {"code": "too_many_requests", "message": "quota"}}
    rec = Recorder(lambda r: json_response(body, 429))
    with pytest.raises(RateLimitError) as info:
        client_with(rec, t, max_retries=0).interactions.get("v1_x")
    assert info.value.code == "too_many_requests"


def test_stream_opening_is_retried_and_counted() -> None:
    t = FakeTime()
    blocks = [frame(e) for e in text_stream_events(["a", "b"])]
    rec = Recorder(
        json_response(error_body(503, "UNAVAILABLE", "x"), 503, {"Retry-After": "1"}),
        sse_response(blocks),
    )
    stream = client_with(rec, t).interactions.create(model="m", input="x", stream=True)
    assert stream.until_done().output_text == "ab"
    assert stream.retries == 1 and t.sleeps == [1.0]


def test_drop_without_stored_interaction_raises_with_partial_answer() -> None:
    blocks = [frame(e) for e in text_stream_events(["Hello", " world"])][:4]
    rec = Recorder(sse_response(blocks, drop=True))
    client = Client(KEY, transport=rec.transport)
    stream = client.interactions.create(model="m", input="x", stream=True, store=False)
    with pytest.raises(StreamDroppedError) as info:
        stream.until_done()
    assert info.value.interaction.output_text == "Hello world"
    assert len(rec.requests) == 1


def test_resume_that_makes_no_progress_gives_up() -> None:
    blocks = [frame(e) for e in text_stream_events(["Hello"])][:3]
    rec = Recorder(sse_response(blocks, drop=True), lambda r: sse_response([], drop=True))
    with pytest.raises(StreamDroppedError):
        Client(KEY, transport=rec.transport).interactions.create(
            model="m", input="x", stream=True
        ).until_done()
    assert 2 <= len(rec.requests) <= 5


def test_checkpoint_reconnect_for_foreground_streams_without_an_id() -> None:
    """No interaction id known, but a checkpoint and no content since: re-POST with its token."""
    first = [
        frame(
            {
                "event_type": "interaction.status_update",
                "status": "in_progress",
                "continuation_token": "ckpt1",
                "event_id": "e1",
            }
        ),
    ]
    rest = [frame(e) for e in text_stream_events(["done"], interaction_id="v1_hop2")]
    rec = Recorder(sse_response(first, drop=True), sse_response(rest))
    it = (
        Client(KEY, transport=rec.transport)
        .interactions.create(model="m", input="q", stream=True)
        .until_done()
    )
    assert it.output_text == "done"
    second = rec.body(1)
    assert second["continuation_token"] == "ckpt1"
    assert second["input"] == "q"


def continuation_hops() -> list[dict[str, Any]]:
    return [
        {
            "id": "hop1",
            "status": "requires_continuation",
            "continuation_token": "t1",
            "created": "2026-06-01T00:00:00Z",
            "steps": [
                {"type": "model_output", "content": [{"type": "text", "text": "Part one. "}]}
            ],
            "usage": {
                "total_input_tokens": 10,
                "total_output_tokens": 100,
                "total_tokens": 110,
                "output_tokens_by_modality": [{"modality": "text", "tokens": 100}],
            },
        },
        {
            "id": "hop2",
            "status": "completed",
            "steps": [
                {"type": "user_input", "content": []},
                {"type": "model_output", "content": [{"type": "text", "text": "Part two."}]},
            ],
            "usage": {
                "total_input_tokens": 12,
                "total_output_tokens": 50,
                "total_tokens": 62,
                "output_tokens_by_modality": [{"modality": "text", "tokens": 50}],
            },
        },
    ]


def test_non_stream_continuation_hops_are_merged_like_the_sdk() -> None:
    hops = continuation_hops()
    rec = Recorder(json_response(hops[0]), json_response(hops[1]))
    it = Client(KEY, transport=rec.transport).interactions.create(
        model="m", input="long", tools=[{"type": "url_context"}]
    )
    assert it.status == "completed"
    assert it.id == "hop2"
    assert it.continuation_ids == ["hop1", "hop2"]
    assert [s.type for s in it.steps] == ["model_output", "model_output"]
    assert it.usage is not None
    assert it.usage.total_tokens == 172
    assert it.usage.initial_input_tokens == 10
    assert it.usage.output_tokens_by_modality is not None
    assert it.usage.output_tokens_by_modality[0].tokens == 150
    assert it.created == "2026-06-01T00:00:00Z"
    follow = rec.body(1)
    assert "input" not in follow
    assert follow["continuation_token"] == "t1"
    assert follow["previous_interaction_id"] == "hop1"
    assert follow["tools"] == [{"type": "url_context"}]


def test_continuation_can_be_turned_off() -> None:
    rec = Recorder(json_response(continuation_hops()[0]))
    it = Client(KEY, transport=rec.transport, auto_continue=False).interactions.create(
        model="m", input="long"
    )
    assert it.status == "requires_continuation" and len(rec.requests) == 1


def test_streamed_continuation_hops() -> None:
    from .helpers import transcript

    second = [frame(e) for e in text_stream_events([" And then."], interaction_id="v1_hop2")]
    rec = Recorder(sse_response([transcript("continuation_hop.sse")]), sse_response(second))
    stream = Client(KEY, transport=rec.transport).interactions.create(
        model="m", input="x", stream=True
    )
    it = stream.until_done()
    assert it.output_text.endswith(" And then.")
    assert it.output_text.startswith("Chapter 1.")
    assert stream.continuations == 1
    assert rec.body(1)["continuation_token"] == "Y2twdDoy"
    assert rec.body(1)["previous_interaction_id"] == "v1_ChdDb250aW51YXRpb25Ib3A"


def test_wait_polls_with_growing_interval_and_reports_progress() -> None:
    t = FakeTime()
    states = ["queued", "in_progress", "in_progress", "in_progress", "completed"]
    rec = Recorder(*[json_response({"id": "bg", "status": s}) for s in states])
    seen: list[str | None] = []
    it = client_with(rec, t).interactions.wait("bg", on_progress=lambda i: seen.append(i.status))
    assert it.status == "completed"
    assert seen == states
    assert t.sleeps == [1.0, 1.5, 2.25, 3.375]


def test_wait_times_out() -> None:
    t = FakeTime()
    rec = Recorder(lambda r: json_response({"id": "bg", "status": "in_progress"}))
    with pytest.raises(WaitTimeoutError) as info:
        client_with(rec, t).interactions.wait("bg", timeout=5)
    assert info.value.interaction.status == "in_progress"
    assert t.now <= 5


def test_unknown_types_survive_a_round_trip() -> None:
    from gemini_interactions.api import UnknownStep
    from gemini_interactions.api.lowlevel import to_interaction

    data = {
        "id": "i",
        "status": "completed",
        "brand_new_field": {"x": 1},
        "steps": [
            {"type": "future_step_kind", "payload": [1, 2]},
            {
                "type": "model_output",
                "content": [
                    {"type": "hologram", "z": 3},
                    {"type": "text", "text": "t", "annotations": [{"type": "new_cite"}]},
                ],
            },
        ],
    }
    it = to_interaction(data, "2026-05-20")
    assert isinstance(it.steps[0], UnknownStep)
    out = it.model_dump(mode="json", exclude_unset=True)
    assert out["brand_new_field"] == {"x": 1}
    assert out["steps"] == data["steps"]


def test_unknown_events_and_status_spellings_are_tolerated() -> None:
    events = [
        {"event_type": "interaction.created", "interaction": {"id": "i", "status": "queued"}},
        {"event_type": "interaction.in_progress", "interaction": {"id": "i"}},
        {"event_type": "telemetry.ping", "load": 0.5},
        {"event_type": "step.delta", "index": 0, "delta": {"type": "sparkle", "amount": 2}},
        {"event_type": "step.delta", "index": 1, "delta": {"type": "text", "text": "hi"}},
        {"event_type": "interaction.completed", "interaction": {"id": "i", "status": "completed"}},
    ]
    raw = [frame(e) for e in events] + [b"data: this is not json\n\n", b": a comment\n\n"]
    raw.insert(2, b"data: {broken json\n\n")
    rec = Recorder(sse_response(raw))
    stream = Client(KEY, transport=rec.transport).interactions.create(
        model="m", input="x", stream=True
    )
    kinds = [type(e).__name__ for e in stream]
    assert "UnknownEvent" in kinds
    it = stream.interaction
    assert it.status == "completed" and it.output_text == "hi"
    assert it.steps[0].model_dump()["unknown_deltas"] == [{"type": "sparkle", "amount": 2}]


def test_secrets_never_leak(caplog: pytest.LogCaptureFixture) -> None:
    t = FakeTime()
    echo = error_body(403, "PERMISSION_DENIED", f"API key {KEY} is not valid for this project")
    rec = Recorder(
        json_response(error_body(503, "UNAVAILABLE", "x"), 503), lambda r: json_response(echo, 403)
    )
    client = client_with(rec, t)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(APIStatusError) as info:
        client.interactions.create(model="m", input="x")
    assert KEY not in str(info.value)
    assert KEY not in repr(info.value.body)
    assert "***" in str(info.value)
    assert KEY not in repr(client)
    assert KEY not in repr(client._settings)
    assert all(KEY not in r.getMessage() for r in caplog.records)
    assert any("try 2 of 5" in r.getMessage() for r in caplog.records)


def test_continuation_stops_when_a_hop_makes_no_progress() -> None:
    stuck = {
        "id": "h",
        "status": "requires_continuation",
        "continuation_token": "same",
        "steps": [],
    }
    rec = Recorder(lambda r: json_response(stuck))
    it = Client(KEY, transport=rec.transport).interactions.create(model="m", input="x")
    assert it.status == "requires_continuation"
    assert len(rec.requests) == 2  # the first hop, then one that returned its own token


def test_credentials_in_a_base_url_never_show() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    client = Client(
        KEY,
        base_url="http://alice:hunter2@127.0.0.1:9",
        transport=Recorder(refuse).transport,
        retry_policy=RetryPolicy(max_retries=0),
    )
    with pytest.raises(APIConnectionError) as info:
        client.interactions.get("v1_x")
    assert "hunter2" not in str(info.value) and "127.0.0.1:9" in str(info.value)
    assert "hunter2" not in repr(client)


def test_a_refused_local_server_fails_at_once_but_a_remote_one_is_retried() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    t = FakeTime()
    local = Recorder(refuse)
    policy = RetryPolicy(sleep=t.sleep, rand=lambda: 0.0)
    client = Client(
        KEY, base_url="http://127.0.0.1:9", transport=local.transport, retry_policy=policy
    )
    with pytest.raises(APIConnectionError):
        client.interactions.get("v1_x")
    assert len(local.requests) == 1 and t.sleeps == []
    remote = Recorder(refuse)
    with pytest.raises(APIConnectionError):
        client_with(remote, t, max_retries=2).interactions.get("v1_x")
    assert len(remote.requests) == 3


def test_resume_without_event_ids_delivers_each_event_once() -> None:
    events = text_stream_events(["alpha ", "beta ", "gamma"])
    for event in events:
        del event["event_id"]
    blocks = [frame(e) for e in events]

    def replay_all(request: httpx.Request) -> httpx.Response:
        assert "last_event_id" not in request.url.params
        return sse_response(blocks)

    rec = Recorder(sse_response(blocks[:4], drop=True), replay_all)
    stream = Client(KEY, transport=rec.transport).interactions.create(
        model="m", input="x", stream=True
    )
    seen = [e.event_type for e in stream]
    assert seen == [e["event_type"] for e in events]
    assert stream.interaction.output_text == "alpha beta gamma"
    assert stream.resumes == 1


def test_a_failed_resume_falls_back_to_the_checkpoint() -> None:
    first = [
        frame(
            {
                "event_type": "interaction.created",
                "interaction": {"id": "v1_fg", "status": "in_progress"},
                "event_id": "e1",
            }
        ),
        frame(
            {
                "event_type": "interaction.status_update",
                "interaction_id": "v1_fg",
                "status": "in_progress",
                "continuation_token": "ckpt",
                "event_id": "e2",
            }
        ),
    ]
    rest = [frame(e) for e in text_stream_events(["after checkpoint"], interaction_id="v1_hop")]
    rec = Recorder(
        sse_response(first, drop=True),
        json_response(error_body(404, "NOT_FOUND", "no such interaction"), 404),
        sse_response(rest),
    )
    stream = Client(KEY, transport=rec.transport).interactions.create(
        model="m", input="q", stream=True
    )
    it = stream.until_done()
    assert it.output_text == "after checkpoint"
    assert [r.method for r in rec.requests] == ["POST", "GET", "POST"]
    assert rec.body(2)["continuation_token"] == "ckpt"
    assert rec.body(2)["previous_interaction_id"] == "v1_fg"
