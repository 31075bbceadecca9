"""Fault injection: HTTP errors with Retry-After, drops, trickle, error/malformed/unknown events."""

from __future__ import annotations

import httpx
import pytest

from gemini_interactions.server import FakeClock, FaultPlan, Fixture, LocalServer

from .helpers import PREFIX, client_for, create, parse_sse, text_of

TEXT = "The quick brown fox jumps over the lazy dog."


def faulty(clock: FakeClock | None = None, **faults: object) -> httpx.Client:
    plan = FaultPlan(**faults)  # type: ignore[arg-type]
    fixture = Fixture(match={}, steps=[{"text": TEXT}], chunk_size=6, faults=plan)
    return client_for(LocalServer(fixtures=[fixture], clock=clock or FakeClock()))


def test_first_k_requests_fail_with_retry_after() -> None:
    with faulty(http_status=503, fail_first=2, retry_after=1.5) as http:
        for _ in range(2):
            failed = create(http, {"model": "m", "input": "x"})
            assert failed.status_code == 503
            assert failed.headers["retry-after"] == "1.5"
            assert failed.headers["retry-after-ms"] == "1500"
            assert failed.json()["error"]["status"] == "UNAVAILABLE"
        assert create(http, {"model": "m", "input": "x"}).status_code == 200


def test_global_faults_hit_every_route() -> None:
    server = LocalServer(faults=FaultPlan(http_status=429, fail_first=2), clock=FakeClock())
    with client_for(server) as http:
        assert create(http, {"model": "m", "input": "x"}).status_code == 429
        assert http.get(f"{PREFIX}/v1_anything").status_code == 429
        iid = create(http, {"model": "m", "input": "x"}).json()["id"]
        assert http.get(f"{PREFIX}/{iid}").status_code == 200


def test_drop_after_n_events_then_resume() -> None:
    with faulty(drop_after_events=5, drops=1) as http:
        received = bytearray()
        body = {"model": "m", "input": "x", "stream": True}
        with pytest.raises(httpx.RemoteProtocolError), http.stream("POST", PREFIX, json=body) as r:
            for chunk in r.iter_bytes():
                received += chunk
        events = parse_sse(bytes(received))
        assert len(events) == 5
        iid, last = events[0]["interaction"]["id"], events[-1]["event_id"]
        query = {"stream": "true", "last_event_id": last}
        rest = parse_sse(http.get(f"{PREFIX}/{iid}", params=query).content)
        assert text_of(events) + text_of(rest) == TEXT
        assert rest[-1]["event_type"] == "interaction.completed"


def test_trickle_sends_small_pieces_slowly() -> None:
    clock = FakeClock()
    with faulty(clock, trickle=0.01, trickle_bytes=7) as http:
        start = clock.now()
        body = {"model": "m", "input": "x", "stream": True}
        with http.stream("POST", PREFIX, json=body) as response:
            pieces = list(response.iter_raw())
        assert max(len(p) for p in pieces) <= 7
        assert clock.now() - start >= 0.01 * (len(pieces) - 1) - 1e-6
        assert text_of(parse_sse(b"".join(pieces))) == TEXT


def test_error_event_mid_stream_fails_the_interaction() -> None:
    with faulty(error_after_events=4) as http:
        events = parse_sse(create(http, {"model": "m", "input": "x", "stream": True}).content)
        assert [e["event_type"] for e in events][-1] == "error"
        assert len(events) == 5
        assert events[-1]["error"]["code"] == "resource_exhausted"
        assert not any(e["event_type"] == "interaction.completed" for e in events)
        got = http.get(f"{PREFIX}/{events[0]['interaction']['id']}").json()
        assert got["status"] == "failed"
        assert got["errors"][0]["code"] == "resource_exhausted"


def test_malformed_and_unknown_events_and_steps() -> None:
    with faulty(malformed_after_events=2, unknown_event_after=3, unknown_step=True) as http:
        raw = create(http, {"model": "m", "input": "x", "stream": True}).content
    assert b'data: {"event_type": "step.delta", "oops\n\n' in raw
    events = parse_sse(raw)
    assert any("_raw" in e for e in events)
    assert any(e.get("event_type") == "interaction.future_event_kind" for e in events)
    first_step = next(e for e in events if e.get("event_type") == "step.start")
    assert first_step["step"]["type"] == "future_step_kind"
    assert text_of(events) == TEXT


def test_done_sentinel() -> None:
    with faulty(done_sentinel=True) as http:
        raw = create(http, {"model": "m", "input": "x", "stream": True}).content
    assert raw.endswith(b"data: [DONE]\n\n")


def test_fault_plan_rejects_unknown_options() -> None:
    with pytest.raises(ValueError, match="drop_after"):
        FaultPlan.from_dict({"drop_after": 3})
    plan = FaultPlan.from_dict({"drop_after_events": 3, "drops": 2})
    assert plan.take_drop() == 3 and plan.take_drop() == 3 and plan.take_drop() is None
    assert plan.counters == {"http_errors": 0, "drops": 2, "rate_limited": 0}


def test_zero_means_before_the_first_event() -> None:
    """``..._after_events=0`` is a valid position (it used to be read as "off")."""
    with faulty(malformed_after_events=0, unknown_event_after=0) as http:
        raw = create(http, {"model": "m", "input": "x", "stream": True}).content
    events = parse_sse(raw)
    assert "_raw" in events[0]
    assert events[1]["event_type"] == "interaction.future_event_kind"
    assert text_of(events) == TEXT


def test_fault_plan_checks_value_types() -> None:
    with pytest.raises(ValueError, match="drops='2'"):
        FaultPlan.from_dict({"drops": "2"})
    with pytest.raises(ValueError, match="unknown_step"):
        FaultPlan.from_dict({"unknown_step": 1})
    plan = FaultPlan.from_options(["drop-after-events=2", "trickle=0.5", "done_sentinel"])
    assert plan == FaultPlan(drop_after_events=2, trickle=0.5, done_sentinel=True)


def test_unknown_fields_on_every_event_keep_the_text() -> None:
    with faulty(unknown_fields=True) as http:
        events = parse_sse(create(http, {"model": "m", "input": "x", "stream": True}).content)
    assert all("future_field" in e for e in events)
    assert text_of(events) == TEXT


def test_rpm_limit_answers_429_with_retry_after_beyond_the_rate() -> None:
    plan = FaultPlan.from_options(["rpm=60", "latency=0.1"])
    assert plan.take_rate_limit(100.0) is None  # one token a second, one in the bucket
    refused = plan.take_rate_limit(100.2)
    assert refused is not None and refused.code == 429
    assert refused.retry_after is not None and 0.7 < refused.retry_after <= 0.8
    assert plan.take_rate_limit(101.3) is None  # refilled
    assert plan.counters["rate_limited"] == 1
    with pytest.raises(ValueError, match="latency"):
        FaultPlan.from_options(["latency=-1"])
    with pytest.raises(ValueError, match="rpm"):
        FaultPlan.from_options(["rpm=0"])
