"""The HTTP face (uvicorn on 127.0.0.1) and the ``gemini-interactions serve`` command."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gemini_interactions.server import FaultPlan, Fixture, LocalServer, serve_in_thread

from .helpers import KEY, PREFIX, parse_sse, text_of

M = {"model": "gemini-3-flash-preview"}


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    fixtures = [
        Fixture(
            match={"user_text": "cut me"},
            steps=[{"text": "abcdefghij" * 4}],
            chunk_size=5,
            faults=FaultPlan(drop_after_events=4, drops=1),
        ),
    ]
    with serve_in_thread(LocalServer(fixtures=fixtures)) as url:
        yield url


def test_binds_loopback_and_answers(base_url: str) -> None:
    assert base_url.startswith("http://127.0.0.1:")
    with httpx.Client(base_url=base_url, headers={"x-goog-api-key": KEY}) as http:
        posted = http.post(PREFIX, json={**M, "input": "hi"})
        assert posted.status_code == 200
        assert posted.headers["content-type"] == "application/json"
        iid = posted.json()["id"]
        assert http.get(f"{PREFIX}/{iid}").json()["status"] == "completed"
        missing = http.get(f"{PREFIX}/v1_missing")
        assert missing.status_code == 404 and missing.json()["error"]["status"] == "NOT_FOUND"


def test_streams_over_http(base_url: str) -> None:
    body = {**M, "input": "hi", "stream": True}
    with (
        httpx.Client(base_url=base_url, headers={"x-goog-api-key": KEY}) as http,
        http.stream("POST", PREFIX, json=body) as response,
    ):
        assert response.headers["content-type"].startswith("text/event-stream")
        raw = b"".join(response.iter_bytes())
    events = parse_sse(raw)
    assert events[0]["event_type"] == "interaction.created"
    assert events[-1]["event_type"] == "interaction.completed"
    assert all(e["_sse"] == e["event_type"] for e in events)
    assert "offline demo model" in text_of(events)


def test_injected_drop_cuts_the_connection(base_url: str) -> None:
    with httpx.Client(base_url=base_url, headers={"x-goog-api-key": KEY}) as http:
        received = bytearray()
        body = {**M, "input": "cut me", "stream": True}
        with pytest.raises(httpx.RemoteProtocolError), http.stream("POST", PREFIX, json=body) as r:
            for chunk in r.iter_bytes():
                received += chunk
        events = parse_sse(bytes(received))
        assert [e["event_id"] for e in events] == ["ev_0001", "ev_0002", "ev_0003", "ev_0004"]
        iid = events[0]["interaction"]["id"]
        # The interaction itself is fine: the rest of its log can be fetched.
        after = http.get(f"{PREFIX}/{iid}", params={"stream": "true", "last_event_id": "ev_0004"})
        rest = parse_sse(after.content)
        assert rest[0]["event_id"] == "ev_0005"
        assert rest[-1]["event_type"] == "interaction.completed"
        assert text_of(events) + text_of(rest) == "abcdefghij" * 4


ROOT = Path(__file__).resolve().parents[2]


def _start_cli(*args: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "gemini_interactions.cli", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert process.stdout is not None
    first = process.stdout.readline().strip()
    return process, first


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_cli_prints_url_first_and_stops_on_signal(tmp_path: Path, sig: signal.Signals) -> None:
    fixtures = tmp_path / "fx.json"
    fixtures.write_text(json.dumps({"fixtures": [{"match": {}, "steps": [{"text": "from file"}]}]}))
    process, url = _start_cli("--fixtures", str(fixtures), "--data-only-framing")
    try:
        assert url.startswith("http://127.0.0.1:") and not url.endswith(":0"), url
        with httpx.Client(base_url=url, headers={"x-goog-api-key": KEY}) as http:
            raw = http.post(PREFIX, json={**M, "input": "x", "stream": True}).text
        assert "event:" not in raw
        assert text_of(parse_sse(raw)) == "from file"
    finally:
        process.send_signal(sig)
        started = time.monotonic()
        code = process.wait(timeout=15)
    assert time.monotonic() - started < 10
    assert code in (0, -sig, 128 + sig), process.stderr.read() if process.stderr else ""


def test_cli_rejects_half_record_mode() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "gemini_interactions.cli", "serve", "--record", "x.json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=30,
    )
    assert result.returncode == 2
    assert "--upstream" in result.stderr
