"""Turns as OpenTelemetry traces, read back with the SDK's own in-memory exporter."""

from __future__ import annotations

import time
from typing import Any

import pytest

pytest.importorskip("opentelemetry.sdk")

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
    InMemorySpanExporter,
)

from gemini_interactions.api import Client
from gemini_interactions.chain import Chain, TurnFailedError, TurnObserver, TurnTracer
from gemini_interactions.server import LocalServer

KEY = "AIzaSy-secret-key-for-the-trace-test"


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def provider(exporter: InMemorySpanExporter) -> TracerProvider:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider


@pytest.fixture
def keyed_chain(server: LocalServer) -> Chain:
    return Chain(Client(api_key=KEY, transport=server.transport(), max_retries=0), name="t")


def get_weather(city: str) -> dict[str, str]:
    """Current weather in a city.

    Args:
        city: The city name.
    """
    # The notebook's own function makes a span of its own: it nests under execute_tool.
    with trace.get_tracer("user").start_as_current_span("user lookup"):
        time.sleep(0.05)
    return {"city": city, "sky": "sunny"}


def _everything(spans: Any) -> str:
    return repr(
        [(s.name, dict(s.attributes or {}), [e.attributes for e in s.events]) for s in spans]
    )


def test_a_tool_turn_is_one_genai_span_with_steps_and_the_tool_as_children(
    keyed_chain: Chain, provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    trace.set_tracer_provider(provider)  # the user's own spans go to the same exporter
    seen: list[str] = []

    class Inner(TurnObserver):
        def on_end(self, turn: Any) -> None:
            seen.append(turn.status)

    prompt = "Use get_weather for the weather in Paris"
    turn = keyed_chain.send(
        prompt, tools=[get_weather], observer=TurnTracer(Inner(), tracer_provider=provider)
    )
    assert seen == ["completed"]  # the wrapped observer still sees everything
    spans = {s.name: s for s in exporter.get_finished_spans()}
    root = spans["generate_content gemini-3-flash-preview"]
    attrs = dict(root.attributes or {})
    assert root.parent is None and root.kind == trace.SpanKind.CLIENT
    assert attrs["gen_ai.operation.name"] == "generate_content"
    assert attrs["gen_ai.provider.name"] == "gcp.gemini"
    assert attrs["gen_ai.request.model"] == "gemini-3-flash-preview"
    assert attrs["gen_ai.response.id"] == turn.id
    assert attrs["gen_ai.conversation.id"] == "t" and attrs["gemini_interactions.turn"] == 1
    assert attrs["gen_ai.usage.input_tokens"] == turn.usage["total_input_tokens"]
    assert attrs["gen_ai.usage.output_tokens"] == turn.usage["total_output_tokens"]
    tool = spans["execute_tool get_weather"]
    assert tool.parent is not None and tool.parent.span_id == root.context.span_id
    assert dict(tool.attributes or {})["gen_ai.tool.call.id"] == turn.tool_runs[0].call_id
    user = spans["user lookup"]
    assert user.parent is not None and user.parent.span_id == tool.context.span_id
    steps = [
        s
        for s in exporter.get_finished_spans()
        if s.name.startswith(("function_call", "model_output"))
    ]
    assert {s.name for s in steps} >= {"function_call get_weather", "model_output"}
    assert all(s.parent is not None and s.parent.span_id == root.context.span_id for s in steps)
    # every child sits inside the turn's span on the time axis
    assert root.start_time is not None and root.end_time is not None
    for span in exporter.get_finished_spans():
        if (
            span is not root
            and span.parent is not None
            and span.parent.span_id == root.context.span_id
        ):
            assert root.start_time <= span.start_time <= span.end_time <= root.end_time + 1_000_000
    # no prompt, answer or tool data unless asked, and never the key
    everything = _everything(exporter.get_finished_spans())
    assert "Paris" not in everything and "sunny" not in everything and KEY not in everything


def test_content_goes_in_only_when_asked(
    keyed_chain: Chain, provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    keyed_chain.send(
        "Use get_weather for the weather in Paris",
        tools=[get_weather],
        observer=TurnTracer(tracer_provider=provider, content=True),
    )
    everything = _everything(exporter.get_finished_spans())
    assert "weather in Paris" in everything and "sunny" in everything
    assert KEY not in everything


def test_a_failed_turn_is_an_error_span_and_a_broken_tracer_breaks_no_turn(
    chain: Chain, server: LocalServer, provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    class Broken:
        def get_tracer(self, *args: Any) -> Any:
            return self

        def start_span(self, *args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("exporter exploded")

    with pytest.warns(RuntimeWarning, match="exporter exploded"):
        turn = chain.send("Say hello", observer=TurnTracer(tracer_provider=Broken()))
    assert turn.status == "completed"

    failing = Chain(Client(transport=_refusing(), max_retries=0), name="f")
    with pytest.raises(TurnFailedError):
        failing.send("Say hello", observer=TurnTracer(tracer_provider=provider))
    (span,) = [s for s in exporter.get_finished_spans() if s.parent is None]
    assert span.status.status_code == trace.StatusCode.ERROR
    assert dict(span.attributes or {})["error.type"] == "failed"


def _refusing() -> Any:
    import httpx

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"error": {"code": 400, "message": "bad request"}})

    return httpx.MockTransport(handler)
