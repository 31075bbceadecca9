"""``%config GeminiMagics.tracing = True``: each turn a trace, sent over OTLP/HTTP.

The traces go to ``GeminiMagics.tracing_endpoint`` (Phoenix, Langfuse, Jaeger or an
OpenTelemetry collector listening for OTLP/HTTP). With no endpoint set, a tracer provider the
user already installed (``phoenix.otel.register()``, ``langfuse``…) is used as it is; otherwise
OpenTelemetry's own defaults apply (``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``,
``OTEL_EXPORTER_OTLP_ENDPOINT``, else ``http://localhost:4318/v1/traces``).
Spans are sent in the background in batches, within about half a second, and at exit.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from ..chain import TurnObserver

if TYPE_CHECKING:
    from ._magics import GeminiMagics

__all__ = ["Tracing"]

SERVICE = "gemini-interactions"


class Tracing:
    """The kernel's tracer provider, built on the first traced turn and kept per endpoint."""

    def __init__(self) -> None:
        self._provider: Any = None
        self._endpoint: str | None = None
        self._told = False

    def observer(self, magics: GeminiMagics, view: TurnObserver) -> TurnObserver:
        """``view``, wrapped in a tracer when tracing is on (and installed)."""
        if not magics.tracing:
            return view
        from ..chain import TurnTracer

        try:
            provider = self.provider(magics.tracing_endpoint.strip())
            return TurnTracer(view, tracer_provider=provider, content=magics.tracing_content)
        except ModuleNotFoundError as exc:
            if not self._told:  # once: the answer still shows, untraced
                self._told = True
                print(f"This turn is not traced. {exc}", file=sys.stderr)
            return view

    def provider(self, endpoint: str) -> Any:
        from ..chain._trace import INSTALL_HINT

        try:
            from opentelemetry import trace
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
            from opentelemetry.sdk.resources import Resource
            from opentelemetry.sdk.trace import TracerProvider
            from opentelemetry.sdk.trace.export import BatchSpanProcessor
        except ModuleNotFoundError:
            raise ModuleNotFoundError(INSTALL_HINT) from None
        configured = trace.get_tracer_provider()
        if not endpoint and isinstance(configured, TracerProvider):
            return configured  # the user set up their own tracing: join it
        if self._provider is not None and self._endpoint == endpoint:
            return self._provider
        self.close()
        provider = TracerProvider(resource=Resource.create({"service.name": SERVICE}))
        exporter = OTLPSpanExporter(endpoint=endpoint or None)
        provider.add_span_processor(BatchSpanProcessor(exporter, schedule_delay_millis=500))
        self._provider, self._endpoint = provider, endpoint
        return provider

    def flush(self, timeout: float = 5.0) -> bool:
        """Send what is waiting now; False when the collector did not take it in time."""
        if self._provider is None:
            return True
        return bool(self._provider.force_flush(int(timeout * 1000)))

    def close(self) -> None:
        if self._provider is not None:
            self._provider.shutdown()
            self._provider = None
