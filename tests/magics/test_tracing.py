"""`%config GeminiMagics.tracing`: turns reach a real OTLP/HTTP receiver on 127.0.0.1.

The receiver is a real HTTP server decoding the request with OpenTelemetry's own protobuf
definitions (``opentelemetry-proto``, the collector's wire format), as Phoenix, Langfuse and
Jaeger do on their OTLP/HTTP port.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

pytest.importorskip("opentelemetry.exporter.otlp.proto.http")

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from .conftest import Kernel

KEY = "AIzaSy-tracing-test-key-never-sent"


class Receiver(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.requests: list[tuple[str, ExportTraceServiceRequest]] = []
        self.headers_seen: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1/traces"

    def spans(self) -> list[tuple[dict[str, Any], Any]]:
        """(resource attributes, span) for every span received."""
        found = []
        for _, request in self.requests:
            for resource_spans in request.resource_spans:
                resource = _attrs(resource_spans.resource.attributes)
                for scope in resource_spans.scope_spans:
                    found.extend((resource, span) for span in scope.spans)
        return found


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        request = ExportTraceServiceRequest()
        request.ParseFromString(body)
        self.server.requests.append((self.path, request))
        self.server.headers_seen.append(str(self.headers))
        reply = ExportTraceServiceResponse().SerializeToString()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args: Any) -> None:
        pass


def _attrs(values: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for kv in values:
        kind = kv.value.WhichOneof("value")
        value = getattr(kv.value, kind)
        out[kv.key] = list(value.values) if kind == "array_value" else value
    return out


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _wait_for(receiver: Receiver, count: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len(receiver.spans()) < count:
        time.sleep(0.05)


def test_a_traced_cell_reaches_the_receiver_as_genai_spans(
    kernel: Kernel, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", KEY)

    def get_weather(city: str) -> dict[str, str]:
        """Current weather in a city.

        Args:
            city: The city.
        """
        return {"city": city, "sky": "sunny"}

    kernel.ns["get_weather"] = get_weather
    kernel.cell("", "not traced")
    kernel.shell.run_line_magic("config", "GeminiMagics.tracing = True")
    kernel.shell.run_line_magic("config", f"GeminiMagics.tracing_endpoint = '{receiver.url}'")
    out = kernel.cell("--tools get_weather", "Use get_weather for the weather in Paris")
    assert out.stderr == ""
    _wait_for(receiver, 3)
    assert kernel.magics.session.tracing.flush()
    spans = receiver.spans()
    assert {path for path, _ in receiver.requests} == {"/v1/traces"}
    names = [span.name for _, span in spans]
    roots = [span for _, span in spans if not span.parent_span_id]
    assert [r.name for r in roots] == ["generate_content gemini-3-flash-preview"]  # one turn
    root = roots[0]
    attrs = _attrs(root.attributes)
    (chain,) = kernel.magics.session.registry.chains.values()
    turn = chain.turns[-1]
    assert attrs["gen_ai.response.id"] == turn.id
    assert attrs["gemini_interactions.turn"] == 2 and attrs["gen_ai.conversation.id"]
    assert attrs["gen_ai.usage.output_tokens"] == turn.usage["total_output_tokens"]
    assert spans[0][0]["service.name"] == "gemini-interactions"
    assert "execute_tool get_weather" in names and "model_output" in names
    for _, span in spans:
        if span is not root:
            assert span.parent_span_id == root.span_id and span.trace_id == root.trace_id
    wire = b"".join(r.SerializeToString() for _, r in receiver.requests)
    assert b"Paris" not in wire and b"sunny" not in wire and KEY.encode() not in wire
    assert not any(KEY in h for h in receiver.headers_seen)

    kernel.shell.run_line_magic("config", "GeminiMagics.tracing_content = True")
    kernel.cell("-c", "Say hello")
    _wait_for(receiver, len(spans) + 2)
    wire = b"".join(r.SerializeToString() for _, r in receiver.requests)
    assert b"Say hello" in wire and KEY.encode() not in wire
    kernel.shell.run_line_magic("config", "GeminiMagics.tracing = False")


def test_without_the_extra_a_cell_still_answers_and_says_how_to_trace(
    kernel: Kernel, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "opentelemetry", None)  # as if not installed
    kernel.shell.run_line_magic("config", "GeminiMagics.tracing = True")
    out = kernel.cell("", "hello")
    assert kernel.ns["_gemini"].status == "completed"
    assert "pip install 'gemini-interactions[otel]'" in out.stderr
    assert "pip install" not in kernel.cell("-c", "again").stderr  # said once
    kernel.shell.run_line_magic("config", "GeminiMagics.tracing = False")
