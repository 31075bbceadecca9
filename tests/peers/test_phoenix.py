"""A traced turn lands in Arize Phoenix (a real receiver, installed with pip) as a trace it
understands: a model span with its children, the tool run among them, no prompt and no key."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("opentelemetry.exporter.otlp.proto.http")

from gemini_interactions.api import Client
from gemini_interactions.chain import Chain, TurnTracer
from gemini_interactions.chain._trace import Tracing
from gemini_interactions.server import LocalServer

from . import phoenix as phoenix_peer

pytestmark = [pytest.mark.peer, pytest.mark.e2e, pytest.mark.slow]

FIXTURES = Path(__file__).parent.parent / "magics" / "data" / "fixtures.json"
KEY = "AIzaSy-phoenix-peer-key-never-sent"


@pytest.fixture(scope="module")
def phoenix() -> Iterator[str]:
    with phoenix_peer.serving() as url:
        yield url


def get_weather(city: str) -> dict[str, str]:
    """Current weather in a city.

    Args:
        city: The city.
    """
    return {"city": city, "sky": "sunny"}


def _spans(base: str, count: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 30
    spans: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        with urllib.request.urlopen(f"{base}/v1/projects/default/spans?limit=100") as reply:
            spans = json.load(reply)["data"]
        if len(spans) >= count:
            break
        time.sleep(0.5)
    return spans


def test_phoenix_stores_a_turn_as_an_llm_span_with_its_steps_and_tool(phoenix: str) -> None:
    server = LocalServer(fixtures=[FIXTURES], require_auth=False)
    chain = Chain(Client(api_key=KEY, transport=server.transport(), max_retries=0), name="peer")
    tracing = Tracing()
    provider = tracing.provider(f"{phoenix}/v1/traces")  # as %config tracing_endpoint sets it
    try:
        turn = chain.send(
            "Use get_weather for the weather in Paris",
            tools=[get_weather],
            observer=TurnTracer(tracer_provider=provider),
        )
        assert tracing.flush()
    finally:
        tracing.close()
    spans = _spans(phoenix, 4)
    roots = [s for s in spans if s["parent_id"] is None]
    assert [r["name"] for r in roots] == ["generate_content gemini-3-flash-preview"]
    root = roots[0]
    assert root["span_kind"] == "LLM"  # Phoenix read our GenAI attributes as a model call
    attrs = root["attributes"]
    assert attrs["gen_ai.response.id"] == turn.id
    assert attrs["llm.token_count.completion"] == turn.usage["total_output_tokens"]
    assert attrs["gemini_interactions.chain"] == "peer" and attrs["gemini_interactions.turn"] == 1
    children = {s["name"] for s in spans if s["parent_id"] == root["context"]["span_id"]}
    assert {"execute_tool get_weather", "model_output", "function_call get_weather"} <= children
    stored = json.dumps(spans)
    assert "Paris" not in stored and "sunny" not in stored and KEY not in stored
