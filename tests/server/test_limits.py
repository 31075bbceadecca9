"""Server bounds (issue 8): hostile requests get clear 4xx JSON errors, memory stays flat, and
one heavy request never stalls the others."""

from __future__ import annotations

import gc
import threading
import time
import tracemalloc
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from gemini_interactions.server import (
    FakeClock,
    Limits,
    LocalServer,
    OfflineModel,
    serve_in_thread,
)
from gemini_interactions.server._reply import Reply, TurnRequest

from .helpers import KEY, PREFIX, client_for, create

MB = 1024 * 1024
M = {"model": "m"}


@pytest.fixture
def base_url() -> Iterator[str]:
    with serve_in_thread(LocalServer()) as url:
        yield url


def live(base_url: str) -> httpx.Client:
    return httpx.Client(base_url=base_url, headers={"x-goog-api-key": KEY}, timeout=30)


def error_of(response: httpx.Response, code: int) -> str:
    assert response.status_code == code, response.text[:300]
    assert response.headers["content-type"] == "application/json"
    error = response.json()["error"]
    assert error["code"] == code and error["status"]
    return str(error["message"])


def body_of(size: int, piece: bytes = b"x" * MB) -> Iterator[bytes]:
    """A body sent in pieces, so the test itself never holds it whole."""
    sent = 0
    while sent < size:
        chunk = piece[: size - sent]
        sent += len(chunk)
        yield chunk


# ------------------------------------------------------------------ body size
def test_a_body_over_the_limit_is_a_413_while_reading() -> None:
    server = LocalServer(limits=Limits(max_body_bytes=1 * MB))
    with serve_in_thread(server) as url, live(url) as http:
        streamed = http.post(PREFIX, content=body_of(3 * MB))
        assert "exceeds the limit: 1048576 bytes" in error_of(streamed, 413)
        declared = http.post(PREFIX, content=b"{" + b" " * (2 * MB) + b"}")
        assert "--max-body-mb" in error_of(declared, 413)
        # Just under the limit is fine, and the server still answers afterwards.
        ok = http.post(PREFIX, json={**M, "input": "x" * (MB - 100)})
        assert ok.status_code == 200
    assert server.requests[0].json is None  # a refused body is not kept in the request log


def test_in_process_transports_keep_the_same_body_limit() -> None:
    server = LocalServer(clock=FakeClock(), limits=Limits(max_body_bytes=1000))
    with client_for(server) as http:
        error_of(create(http, {**M, "input": "x" * 2000}), 413)


def test_rejected_50_mb_bodies_are_not_buffered_or_kept(base_url: str) -> None:
    with live(base_url) as http:
        http.get("/health")
        gc.collect()
        tracemalloc.start()
        try:
            start = tracemalloc.get_traced_memory()[0]
            for path in ["/v1beta/nowhere", PREFIX] * 4:
                error_of(http.post(path, content=body_of(50 * MB)), 413)
            gc.collect()
            now, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert now - start < 50 * MB, f"{(now - start) / MB:.1f} MB kept"
    assert peak - start < 50 * MB, f"{(peak - start) / MB:.1f} MB at the peak"


# ------------------------------------------------------------------ JSON shape and encoding
DEEP = b'{"model": "m", "input": ' + b"[" * 490 + b"]" * 490 + b"}"


def test_deep_json_is_a_400_not_a_500(base_url: str) -> None:
    with live(base_url) as http:
        for path in (PREFIX, f"{PREFIX}/v1_abc", f"{PREFIX}/v1_abc/cancel"):
            message = error_of(http.post(path, content=DEEP), 400)
            assert "nested deeper than 100 levels" in message
        # A route that takes no body answers as it would, still in JSON.
        error_of(http.post("/v1beta/nowhere", content=DEEP), 404)
        assert http.get("/health").json() == {"status": "ok"}


def test_depth_limit_is_configurable_and_exact() -> None:
    server = LocalServer(clock=FakeClock(), limits=Limits(max_json_depth=5))
    with client_for(server) as http:
        nested: Any = "x"
        for _ in range(3):
            nested = [nested]
        # {"input": [[["x"]]]} is 4 levels deep: allowed; one more is refused.
        assert create(http, {**M, "input": [{"type": "text", "text": "x"}]}).status_code == 200
        assert http.post(PREFIX, json={**M, "extra": nested}).status_code == 400
        error_of(http.post(PREFIX, json={**M, "labels": {"a": [[[["x"]]]]}}), 400)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32", "latin-1"])
def test_bodies_that_are_not_utf8_are_refused(base_url: str, encoding: str) -> None:
    text = '{"model": "m", "input": "café au lait"}'
    with live(base_url) as http:
        headers = {"content-type": f"application/json; charset={encoding}"}
        answered = http.post(PREFIX, content=text.encode(encoding), headers=headers)
        message = error_of(answered, 400)
        assert "Invalid JSON payload received" in message


def test_a_lone_surrogate_escape_is_a_400_not_a_500(http: httpx.Client) -> None:
    answered = http.post(PREFIX, content=b'{"model": "m", "input": "caf\\udce9"}')
    assert "lone surrogate" in error_of(answered, 400)
    paired = http.post(PREFIX, content=b'{"model": "m", "input": "smile \\ud83d\\ude00"}')
    assert paired.status_code == 200


@pytest.mark.parametrize(
    ("value", "where"),
    [
        ([{"type": "nope"}], "'input[0].type' ('nope')"),
        ({"type": "nope"}, "'input[0].type' ('nope')"),
        (
            [{"type": "user_input", "content": [{"type": "hologram"}]}],
            "'input[0].content[0].type' ('hologram')",
        ),
        ([{"type": "text", "text": "hi"}, {"type": "nope"}], "'input[1].type'"),
    ],
)
def test_unknown_input_types_are_refused(http: httpx.Client, value: Any, where: str) -> None:
    message = error_of(create(http, {**M, "input": value}), 400)
    assert where in message and "expected one of" in message and "text" in message


@pytest.mark.parametrize("value", ["", []])
def test_an_empty_input_is_a_400(http: httpx.Client, value: Any) -> None:
    assert "must not be empty" in error_of(create(http, {**M, "input": value}), 400)


def test_the_servers_own_unknown_step_can_be_echoed_back(http: httpx.Client) -> None:
    history = [
        {"type": "user_input", "content": [{"type": "text", "text": "hi"}]},
        {"type": "future_step_kind", "payload": {"note": "injected unknown step"}},
        {"type": "user_input", "content": [{"type": "text", "text": "again"}]},
    ]
    assert create(http, {**M, "store": False, "input": history}).status_code == 200


# ------------------------------------------------------------------ memory stays flat
def _rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096


PROMPT = ("The quick brown fox jumps over the lazy dog. " * 500)[: 20 * 1024]


@pytest.mark.slow
def test_500_requests_of_20_kb_stay_within_50_mb() -> None:
    server = LocalServer(clock=FakeClock())
    with client_for(server) as http:
        create(http, {**M, "input": "warm up"})
        gc.collect()
        start = _rss()
        previous = None
        for n in range(500):
            body: dict[str, Any] = {**M, "input": PROMPT, "stream": n % 2 == 0}
            if previous and n % 5:
                body["previous_interaction_id"] = previous
            answered = create(http, body)
            assert answered.status_code == 200
            previous = _id_of(answered)
        gc.collect()
        grown = _rss() - start
    assert grown < 50 * MB, f"RSS grew {grown / MB:.1f} MB"
    assert len(server.engine.store) < 500  # the oldest were evicted to stay within 32 MB


def _id_of(response: httpx.Response) -> str:
    if response.headers["content-type"].startswith("text/event-stream"):
        first = response.text.split("data: ", 1)[1].split("\n", 1)[0]
        return str(httpx.Response(200, content=first).json()["interaction"]["id"])
    return str(response.json()["id"])


@pytest.mark.slow
def test_memory_is_flat_and_evicted_ids_say_so() -> None:
    limits = Limits(max_stored=20, max_stored_bytes=4 * MB, max_logged=20, max_logged_bytes=MB)
    server = LocalServer(clock=FakeClock(), limits=limits)
    with client_for(server) as http:
        first = create(http, {**M, "input": PROMPT}).json()["id"]
        gc.collect()
        tracemalloc.start()
        try:
            sizes = []
            for _ in range(3):
                for _ in range(50):
                    assert create(http, {**M, "input": PROMPT}).status_code == 200
                gc.collect()
                sizes.append(tracemalloc.get_traced_memory()[0])
        finally:
            tracemalloc.stop()
        assert abs(sizes[2] - sizes[1]) < MB, [f"{s / MB:.1f} MB" for s in sizes]
        assert len(server.engine.store) <= 20 and len(server.requests) <= 20
        message = error_of(http.get(f"{PREFIX}/{first}"), 404)
        assert "evicted" in message and "--max-stored" in message
        chained = create(http, {**M, "input": "hi", "previous_interaction_id": first})
        assert "evicted" in error_of(chained, 404)


def test_eviction_takes_finished_interactions_before_running_ones() -> None:
    clock = FakeClock()
    server = LocalServer(clock=clock, limits=Limits(max_stored=2))
    with client_for(server) as http:
        running = create(http, {**M, "input": "a long report", "background": True}).json()["id"]
        for _ in range(3):
            create(http, {**M, "input": "quick"})
        assert http.get(f"{PREFIX}/{running}").status_code == 200


def test_a_conversation_longer_than_the_store_is_refused() -> None:
    server = LocalServer(clock=FakeClock(), limits=Limits(max_stored_bytes=200_000))
    with client_for(server) as http:
        previous = create(http, {**M, "input": PROMPT}).json()["id"]
        for _ in range(20):
            answered = create(http, {**M, "input": PROMPT, "previous_interaction_id": previous})
            if answered.status_code != 200:
                break
            previous = answered.json()["id"]
        assert "The conversation is longer than" in error_of(answered, 400)


# ------------------------------------------------------------------ off the event loop
class _BusyModel(OfflineModel):
    """An offline model that computes for a while on prompts that say so (CPU, not sleep)."""

    def respond(self, turn: TurnRequest) -> Reply:
        if "think hard" in turn.user_text:
            until = time.monotonic() + 2.0
            while time.monotonic() < until:
                sum(range(1000))
        return super().respond(turn)


def _health_while(url: str, body: dict[str, Any]) -> tuple[float, float, int]:
    """(slowest /health, time the big request took, its status)."""
    result: dict[str, Any] = {}

    def big() -> None:
        started = time.monotonic()
        with live(url) as http:
            result["status"] = http.post(PREFIX, json=body).status_code
        result["took"] = time.monotonic() - started

    worker = threading.Thread(target=big)
    worker.start()
    slowest = 0.0
    with httpx.Client(base_url=url, timeout=30) as http:
        time.sleep(0.05)
        while worker.is_alive():
            started = time.monotonic()
            assert http.get("/health").status_code == 200
            slowest = max(slowest, time.monotonic() - started)
            time.sleep(0.02)
    worker.join()
    return slowest, result["took"], result["status"]


def test_health_answers_while_a_heavy_request_computes() -> None:
    with serve_in_thread(LocalServer(offline_model=_BusyModel())) as url:
        slowest, took, status = _health_while(url, {**M, "input": "think hard about it"})
    # Were the engine on the event loop, /health would wait the whole 2 s.
    assert status == 200 and took >= 2.0
    assert slowest < 1.0, f"/health took {slowest:.2f} s while another request ran"


def test_health_answers_while_a_10_mb_prompt_and_a_huge_schema_are_served() -> None:
    with serve_in_thread(LocalServer()) as url:
        slowest, took, status = _health_while(url, {**M, "input": "word " * (2 * MB)})
        assert status == 200 and slowest < 1.0 and took < 10
        schema = {"type": "array", "minItems": 100_000_000, "items": {"type": "string"}}
        fmt = {"type": "text", "mime_type": "application/json", "schema": schema}
        slowest, took, status = _health_while(url, {**M, "input": "x", "response_format": fmt})
        assert status == 400 and took < 1.0 and slowest < 1.0


def test_the_request_log_never_keeps_a_body_bigger_than_its_budget() -> None:
    server = LocalServer(clock=FakeClock(), limits=Limits(max_logged_bytes=100_000))
    with client_for(server) as http:
        assert create(http, {**M, "input": "x" * 200_000}).status_code == 200
        assert create(http, {**M, "input": "small"}).status_code == 200
    big, small = server.requests
    assert "more than the request log keeps" in str(big.json)
    assert small.json == {**M, "input": "small"}
